// Generated from js/probe_chart/index.js by scripts/build_js.mjs (npm run build). Do not edit.
function d(t,e,o){let r=document.createElement(t);return e&&(r.className=e),o&&o.appendChild(r),r}function v(t){let e=d("div","iwm-error",t);return e.setAttribute("role","alert"),e.hidden=!0,e}function y(t,e,o){let r=o.filter(Boolean).join(`
`);return e.textContent=r,e.hidden=!r,t.classList.toggle("iwm-stale",!!r),r}function S(t,e,o){return t.get(e)===o?!1:(t.set(e,o),t.save_changes(),!0)}function x(t,e,o){let r=e.map(n=>[`change:${n}`,()=>o(n)]);for(let[n,i]of r)t.on(n,i);return()=>{for(let[n,i]of r)t.off(n,i)}}var l="g.mark-symbol [role='graphics-symbol']",k=`${l}, g.mark-rule.role-mark [role='graphics-symbol']`;function h(t){let e={};for(let o of(t||"").split("; ")){let r=o.indexOf(": ");r>0&&(e[o.slice(0,r)]=o.slice(r+2))}return e}function C(t){return Object.entries(h(t)).map(([e,o])=>`${e}: ${o}`)}function E(t,e,o){return!e||!o.includes(e)?t:e===t?"":e}function j(t){for(let e of[...t.querySelectorAll("script, foreignObject, iframe")])e.remove();for(let e of[t,...t.querySelectorAll("*")])for(let o of[...e.attributes]){let r=o.name.toLowerCase(),n=/^\s*javascript:/i.test(o.value);(r.startsWith("on")||(r==="href"||r==="xlink:href")&&n)&&e.removeAttribute(o.name)}return t}function b(t,e){let o=e.get("selected")||"";for(let r of t.holder.querySelectorAll(l)){let n=h(r.getAttribute("aria-label")).site;r.classList.toggle("iwm-picked",!!o&&n===o)}t.root.dataset.selected=o,t.root.dataset.drawn=e.get("drawn")||""}function P(t,e,o){let{root:r,holder:n}=t,i=e.get("svg")||"",p=new DOMParser().parseFromString(i,"image/svg+xml"),s=p.documentElement;!i||s.nodeName!=="svg"||p.querySelector("parsererror")?n.replaceChildren():n.replaceChildren(document.importNode(j(s),!0)),r.dataset.renderCount=String(o),r.dataset.points=String(n.querySelectorAll(l).length),t.tooltip.hide(),b(t,e)}var T=Object.freeze(["selected","drawn"]);var z="#e8700a",U=Object.freeze({fg:"#222",muted:"#666",bg:"#fff",dark:!1,wall:"#444",outside:"rgba(128, 128, 128, 0.12)"});function L(t){return`
${t} {
  font-family: var(--jp-ui-font-family, system-ui, -apple-system, "Segoe UI", sans-serif);
  font-size: var(--jp-ui-font-size1, 13px); color: var(--jp-ui-font-color1, #222);
  --iwm-edit: ${z}; --iwm-muted: var(--jp-ui-font-color2, #666); --iwm-faint: var(--jp-ui-font-color3, #999);
}
${t} [hidden] { display: none !important; }
${t} .iwm-title { font-weight: 600; }
${t} .iwm-error {
  margin: 0 0 6px 0; padding: 4px 8px; border-left: 4px solid var(--jp-error-color1, #d32f2f);
  background: rgba(211, 47, 47, 0.12); white-space: pre-wrap; overflow-wrap: anywhere;
  font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px;
}
`}var _=14;function $(t){let e=d("div","iwm-tooltip",t);return e.setAttribute("role","tooltip"),e.hidden=!0,{el:e,show(o,r){e.replaceChildren(...r.map(g=>{let f=document.createElement("div");if(typeof g=="string")return f.append(g),f;let[a,w]=g;if(a){let c=document.createElement("b");c.textContent=a,f.append(c," ")}return f.append(w),f})),e.hidden=!1;let n=t.getBoundingClientRect(),i=e.offsetWidth,p=e.offsetHeight,s=_,u=o.clientX-n.left+s,m=o.clientY-n.top+s;u+i>n.width&&(u=Math.max(0,o.clientX-n.left-i-s)),m+p>n.height&&(m=Math.max(0,o.clientY-n.top-p-s)),e.style.left=`${u}px`,e.style.top=`${m}px`},hide(){e.hidden=!0}}}function O(t){return`
${t} .iwm-tooltip {
  position: absolute; z-index: 10; pointer-events: none; padding: 4px 8px; border-radius: 3px;
  background: var(--jp-layout-color0, #fff); color: var(--jp-ui-font-color0, #000);
  border: 1px solid var(--jp-border-color1, #999); box-shadow: 0 2px 6px rgba(0, 0, 0, 0.25);
  font-size: 12px; line-height: 16px; white-space: nowrap; font-variant-numeric: tabular-nums;
}
${t} .iwm-tooltip b { font-weight: 600; margin-right: 2px; color: var(--iwm-muted); }
`}var A=".iwm-probe-chart",q=`${L(A)}
.iwm-probe-chart { position: relative; display: inline-block; max-width: 100%; padding: 4px 2px; }
.iwm-probe-chart .iwm-svg svg { display: block; max-width: 100%; height: auto; }
.iwm-probe-chart ${l} { cursor: pointer; }
.iwm-probe-chart .iwm-picked { stroke: #222; stroke-width: 2px; }
.iwm-probe-chart.iwm-stale .iwm-svg { opacity: 0.6; }
${O(A)}`;function I(t){let e=d("div","iwm-probe-chart",t);d("style","",e).textContent=q;let o=v(e),r=d("div","iwm-svg",e),n=$(e);return{root:e,errors:o,holder:r,tooltip:n}}function D({model:t,el:e}){let o=I(e),{holder:r,tooltip:n}=o,i=0,p=()=>P(o,t,++i),s=()=>b(o,t),u=()=>y(o.root,o.errors,[t.get("error")]);function m(a){let c=a.target.closest?.(k);if(!c||!r.contains(c))return n.hide();n.show(a,C(c.getAttribute("aria-label")))}function g(a){let c=a.target.closest?.(l);if(!c||!r.contains(c))return;let M=h(c.getAttribute("aria-label")).site,N=E(t.get("selected")||"",M,t.get("sites")||[]);S(t,"selected",N)&&s()}let f=[x(t,["svg"],p),x(t,T,s),x(t,["error"],u)];return r.addEventListener("click",g),r.addEventListener("mousemove",m),r.addEventListener("mouseleave",n.hide),p(),u(),()=>{for(let a of f)a();r.removeEventListener("click",g),r.removeEventListener("mousemove",m),r.removeEventListener("mouseleave",n.hide),o.root.remove()}}function R(){}var at={initialize:R,render:D};export{at as default};
