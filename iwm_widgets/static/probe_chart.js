// Generated from js/probe_chart.js by scripts/build_js.mjs (npm run build). Do not edit.
function k(t,n,e){return t.get(n)===e?!1:(t.set(n,e),t.save_changes(),!0)}function l(t,n,e){let r=document.createElement(t);return n&&(r.className=n),e&&e.appendChild(r),r}function C(t){let n=l("div","iwm-error",t);return n.setAttribute("role","alert"),n.hidden=!0,n}function E(t,n,e){let r=e.filter(Boolean).join(`
`);return n.textContent=r,n.hidden=!r,t.classList.toggle("iwm-stale",!!r),r}var f="g.mark-symbol [role='graphics-symbol']",L=`${f}, g.mark-rule.role-mark [role='graphics-symbol']`;function g(t){let n={};for(let e of(t||"").split("; ")){let r=e.indexOf(": ");r>0&&(n[e.slice(0,r)]=e.slice(r+2))}return n}function $(t){return Object.entries(g(t)).map(([n,e])=>`${n}: ${e}`)}function N(t,n,e){return!n||!e.includes(n)?t:n===t?"":n}function j(t){for(let n of[...t.querySelectorAll("script, foreignObject, iframe")])n.remove();for(let n of[t,...t.querySelectorAll("*")])for(let e of[...n.attributes]){let r=e.name.toLowerCase(),i=/^\s*javascript:/i.test(e.value);(r.startsWith("on")||(r==="href"||r==="xlink:href")&&i)&&n.removeAttribute(e.name)}return t}var A=`
.iwm-probe-chart {
  position: relative; display: inline-block; max-width: 100%; padding: 4px 2px;
  font-family: var(--jp-ui-font-family, system-ui, -apple-system, "Segoe UI", sans-serif);
  font-size: var(--jp-ui-font-size1, 13px); color: var(--jp-ui-font-color1, #222);
}
.iwm-probe-chart [hidden] { display: none !important; }
.iwm-probe-chart .iwm-svg svg { display: block; max-width: 100%; height: auto; }
.iwm-probe-chart ${f} { cursor: pointer; }
.iwm-probe-chart .iwm-picked { stroke: #222; stroke-width: 2px; }
.iwm-probe-chart.iwm-stale .iwm-svg { opacity: 0.6; }
.iwm-probe-chart .iwm-tooltip {
  position: absolute; pointer-events: none; z-index: 10; white-space: pre;
  padding: 3px 6px; border: 1px solid #bbb; border-radius: 3px; background: rgba(255, 255, 255, 0.95);
  color: #222; font-size: 12px; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.2);
}
.iwm-probe-chart .iwm-error {
  margin: 0 0 6px 0; padding: 4px 8px; border-left: 4px solid var(--jp-error-color1, #d32f2f);
  background: rgba(211, 47, 47, 0.12); white-space: pre-wrap; overflow-wrap: anywhere;
  font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px;
}
`;function I({model:t,el:n}){let e=l("div","iwm-probe-chart",n);l("style","",e).textContent=A;let r=C(e),i=l("div","iwm-svg",e),c=l("div","iwm-tooltip",e);c.hidden=!0,c.setAttribute("role","tooltip");let x=0;function d(){let o=t.get("selected")||"";for(let a of i.querySelectorAll(f)){let s=g(a.getAttribute("aria-label")).site;a.classList.toggle("iwm-picked",!!o&&s===o)}e.dataset.selected=o,e.dataset.drawn=t.get("drawn")||""}function h(){let o=t.get("svg")||"",a=new DOMParser().parseFromString(o,"image/svg+xml"),s=a.documentElement;!o||s.nodeName!=="svg"||a.querySelector("parsererror")?i.replaceChildren():i.replaceChildren(document.importNode(j(s),!0)),x+=1,e.dataset.renderCount=String(x),e.dataset.points=String(i.querySelectorAll(f).length),m(),d()}function w(){E(e,r,[t.get("error")])}function m(){c.hidden=!0}function b(o){let s=o.target.closest?.(L);if(!s||!i.contains(s))return m();c.textContent=$(s.getAttribute("aria-label")).join(`
`),c.hidden=!1;let u=e.getBoundingClientRect(),p=o.clientX-u.left+12,S=o.clientY-u.top+12,T=p+c.offsetWidth>u.width;c.style.left=`${T?Math.max(0,p-24-c.offsetWidth):p}px`,c.style.top=`${S}px`}function v(o){let s=o.target.closest?.(f);if(!s||!i.contains(s))return;let u=g(s.getAttribute("aria-label")).site,p=N(t.get("selected")||"",u,t.get("sites")||[]);k(t,"selected",p)&&d()}let y=[["change:svg",h],["change:selected",d],["change:drawn",d],["change:error",w]];for(let[o,a]of y)t.on(o,a);return i.addEventListener("click",v),i.addEventListener("mousemove",b),i.addEventListener("mouseleave",m),h(),w(),()=>{for(let[o,a]of y)t.off(o,a);i.removeEventListener("click",v),i.removeEventListener("mousemove",b),i.removeEventListener("mouseleave",m),e.remove()}}function B(){}var z={initialize:B,render:I};export{f as POINTS,L as TIPPED,z as default,N as nextPick,g as parseLabel,j as scrubSvg,$ as tooltipLines};
