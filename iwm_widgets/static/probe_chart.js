// Generated from js/probe_chart/index.js by scripts/build_js.mjs (npm run build). Do not edit.
function l(t,e,o){let r=document.createElement(t);return e&&(r.className=e),o&&o.appendChild(r),r}function x(t){let e=l("div","iwm-error",t);return e.setAttribute("role","alert"),e.hidden=!0,e}function y(t,e,o){let r=o.filter(Boolean).join(`
`);return e.textContent=r,e.hidden=!r,t.classList.toggle("iwm-stale",!!r),r}function S(t,e,o){return t.get(e)===o?!1:(t.set(e,o),t.save_changes(),!0)}function v(t,e,o){let r=e.map(n=>[`change:${n}`,()=>o(n)]);for(let[n,i]of r)t.on(n,i);return()=>{for(let[n,i]of r)t.off(n,i)}}var p="g.mark-symbol [role='graphics-symbol']",E=`${p}, g.mark-rule.role-mark [role='graphics-symbol']`;function h(t){let e={};for(let o of(t||"").split("; ")){let r=o.indexOf(": ");r>0&&(e[o.slice(0,r)]=o.slice(r+2))}return e}function k(t){return Object.entries(h(t)).map(([e,o])=>`${e}: ${o}`)}function j(t,e,o){return!e||!o.includes(e)?t:e===t?"":e}function C(t){for(let e of[...t.querySelectorAll("script, foreignObject, iframe")])e.remove();for(let e of[t,...t.querySelectorAll("*")])for(let o of[...e.attributes]){let r=o.name.toLowerCase(),n=/^\s*javascript:/i.test(o.value);(r.startsWith("on")||(r==="href"||r==="xlink:href")&&n)&&e.removeAttribute(o.name)}return t}function b(t,e){let o=e.get("selected")||"";for(let r of t.holder.querySelectorAll(p)){let n=h(r.getAttribute("aria-label")).site;r.classList.toggle("iwm-picked",!!o&&n===o)}t.root.dataset.selected=o,t.root.dataset.drawn=e.get("drawn")||""}function T(t,e,o){let{root:r,holder:n}=t,i=e.get("svg")||"",d=new DOMParser().parseFromString(i,"image/svg+xml"),s=d.documentElement;!i||s.nodeName!=="svg"||d.querySelector("parsererror")?n.replaceChildren():n.replaceChildren(document.importNode(C(s),!0)),r.dataset.renderCount=String(o),r.dataset.points=String(n.querySelectorAll(p).length),t.tooltip.hide(),b(t,e)}var L=Object.freeze(["selected","drawn"]);var _="#e8700a",Y=Object.freeze({fg:"#222",muted:"#666",bg:"#fff",dark:!1,wall:"#444",outside:"rgba(128, 128, 128, 0.12)"});var R=["--iwm-fg: var(--jp-ui-font-color1, var(--vscode-foreground, #222));","--iwm-bg: var(--jp-layout-color0, var(--vscode-editor-background, #fff));","--iwm-control-bg: var(--jp-layout-color1, var(--vscode-dropdown-background, var(--vscode-input-background, #fff)));","--iwm-border: var(--jp-border-color1, var(--vscode-dropdown-border, #bbb));","--iwm-grid: var(--jp-border-color2, var(--vscode-editorWidget-border, #ddd));"].join(" "),z=Object.freeze(['body[data-jp-theme-light="false"]',"body.vscode-dark","body.vscode-high-contrast:not(.vscode-high-contrast-light)"]);function O(t){return`
${t} {
  font-family: var(--jp-ui-font-family, system-ui, -apple-system, "Segoe UI", sans-serif);
  font-size: var(--jp-ui-font-size1, 13px); color: var(--iwm-fg);
  --iwm-edit: ${_}; --iwm-muted: var(--jp-ui-font-color2, var(--vscode-descriptionForeground, #666));
  --iwm-faint: var(--jp-ui-font-color3, #999);
  ${R}
}
${z.map(e=>`${e} ${t}`).join(", ")} { color-scheme: dark; }
${t} [hidden] { display: none !important; }
${t} .iwm-title { font-weight: 600; }
${t} .iwm-error {
  margin: 0 0 6px 0; padding: 4px 8px; border-left: 4px solid var(--jp-error-color1, #d32f2f);
  background: rgba(211, 47, 47, 0.12); white-space: pre-wrap; overflow-wrap: anywhere;
  font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px;
}
`}var F=14;function P(t){let e=l("div","iwm-tooltip",t);return e.setAttribute("role","tooltip"),e.hidden=!0,{el:e,show(o,r){e.replaceChildren(...r.map(g=>{let f=document.createElement("div");if(typeof g=="string")return f.append(g),f;let[c,w]=g;if(c){let a=document.createElement("b");a.textContent=c,f.append(a," ")}return f.append(w),f})),e.hidden=!1;let n=t.getBoundingClientRect(),i=e.offsetWidth,d=e.offsetHeight,s=F,m=o.clientX-n.left+s,u=o.clientY-n.top+s;m+i>n.width&&(m=Math.max(0,o.clientX-n.left-i-s)),u+d>n.height&&(u=Math.max(0,o.clientY-n.top-d-s)),e.style.left=`${m}px`,e.style.top=`${u}px`},hide(){e.hidden=!0}}}function $(t){return`
${t} .iwm-tooltip {
  position: absolute; z-index: 10; pointer-events: none; padding: 4px 8px; border-radius: 3px;
  background: var(--jp-layout-color0, #fff); color: var(--jp-ui-font-color0, #000);
  border: 1px solid var(--jp-border-color1, #999); box-shadow: 0 2px 6px rgba(0, 0, 0, 0.25);
  font-size: 12px; line-height: 16px; white-space: nowrap; font-variant-numeric: tabular-nums;
}
${t} .iwm-tooltip b { font-weight: 600; margin-right: 2px; color: var(--iwm-muted); }
`}var A=".iwm-probe-chart",D="#222",H=`${O(A)}
.iwm-probe-chart { position: relative; display: inline-block; max-width: 100%; padding: 4px 2px; }
.iwm-probe-chart .iwm-svg svg { display: block; max-width: 100%; height: auto; }
.iwm-probe-chart ${p} { cursor: pointer; }
.iwm-probe-chart .iwm-picked { stroke: var(--iwm-fg); stroke-width: 2px; }
/* Python's SVG is drawn for a white page: take the page's theme (CSS beats its attributes) */
.iwm-probe-chart .iwm-svg > svg > rect:first-child { fill: var(--iwm-bg); }
.iwm-probe-chart .iwm-svg text[fill="#000"] { fill: var(--iwm-fg); }
.iwm-probe-chart .iwm-svg text[fill="#888"] { fill: var(--iwm-muted); }
.iwm-probe-chart .iwm-svg [stroke="#ddd"] { stroke: var(--iwm-grid); }
.iwm-probe-chart .iwm-svg [stroke="${D}"] { stroke: var(--iwm-fg); }
.iwm-probe-chart.iwm-stale .iwm-svg { opacity: 0.6; }
${$(A)}`;function I(t){let e=l("div","iwm-probe-chart",t);l("style","",e).textContent=H;let o=x(e),r=l("div","iwm-svg",e),n=P(e);return{root:e,errors:o,holder:r,tooltip:n}}function K({model:t,el:e}){let o=I(e),{holder:r,tooltip:n}=o,i=0,d=()=>T(o,t,++i),s=()=>b(o,t),m=()=>y(o.root,o.errors,[t.get("error")]);function u(c){let a=c.target.closest?.(E);if(!a||!r.contains(a))return n.hide();n.show(c,k(a.getAttribute("aria-label")))}function g(c){let a=c.target.closest?.(p);if(!a||!r.contains(a))return;let M=h(a.getAttribute("aria-label")).site,N=j(t.get("selected")||"",M,t.get("sites")||[]);S(t,"selected",N)&&s()}let f=[v(t,["svg"],d),v(t,L,s),v(t,["error"],m)];return r.addEventListener("click",g),r.addEventListener("mousemove",u),r.addEventListener("mouseleave",n.hide),d(),m(),()=>{for(let c of f)c();r.removeEventListener("click",g),r.removeEventListener("mousemove",u),r.removeEventListener("mouseleave",n.hide),o.root.remove()}}function V(){}var ft={initialize:V,render:K};export{ft as default};
