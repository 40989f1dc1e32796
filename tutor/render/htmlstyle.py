"""The page's style: light and dark colour schemes, folding sections, print, and the highlighting rules.

All inline (no web font, no URL). Highlighting is CSS only, so it works with JavaScript off: hovering a
weight's label in a drawing (or its gradient's block), or clicking it (the gradient becomes `:target`),
marks every edge on its chain-rule paths (`data-p~=…` in `svgnet`) and every derivation row that mentions
it (`data-p` in `htmldoc`).
"""

from __future__ import annotations

from collections.abc import Sequence

CSS = """
.nnstep{--fg:#1a1a1a;--bg:#fff;--muted:#666;--rule:#ccc;--input:#ececec;--mark:#fff3b0;--edge-mark:#d9480f;
color:var(--fg);background:var(--bg);font:16px/1.5 "DejaVu Serif",Georgia,"Times New Roman",serif;
max-width:62rem;margin:0 auto;padding:1rem 1.5rem}
@media (prefers-color-scheme:dark){.nnstep{--fg:#e6e6e6;--bg:#16181c;--muted:#a0a0a0;--rule:#444;
--input:#2c3038;--mark:#5c4a00;--edge-mark:#ff922b}}
html,body{margin:0;background:var(--bg,#fff)}
@media (prefers-color-scheme:dark){html,body{background:#16181c}}
.nnstep h1{font-size:1.6rem;margin:.4rem 0 .8rem}
.nnstep summary{cursor:pointer;list-style-position:outside}
.nnstep summary h2,.nnstep summary h3,.nnstep summary h4{display:inline;margin:0}
.nnstep details{margin:.6rem 0}
.nnstep details.h2{border-top:1px solid var(--rule);padding-top:.4rem}
.nnstep h2{font-size:1.3rem}.nnstep h3{font-size:1.12rem}.nnstep h4{font-size:1rem;font-style:italic}
.nnstep details>:not(summary){margin-left:.2rem}
.nnstep p{margin:.4rem 0}
.nnstep math{font-size:1.05em}
.nnstep table.align,.nnstep table.gather{border-collapse:collapse;margin:.5rem auto;max-width:100%}
.nnstep table.align td{padding:.12rem 0}
.nnstep table.align td:nth-child(odd){text-align:right;padding-right:.25em}
.nnstep table.align td:nth-child(even){text-align:left}
.nnstep table.gather td{text-align:center;padding:.15rem}
.nnstep .scroll,.nnstep details{overflow-x:auto}
.nnstep table.data{border-collapse:collapse;margin:.6rem auto}
.nnstep table.data th{border-bottom:1px solid var(--fg);padding:.15rem .7rem}
.nnstep table.data td{padding:.1rem .7rem;text-align:right}
.nnstep table.data{border-top:2px solid var(--fg);border-bottom:2px solid var(--fg)}
.nnstep .center{text-align:center}
.nnstep .center table{text-align:initial}
.nnstep .side{display:inline-block;vertical-align:top;width:48%;min-width:16rem}
.nnstep figure{margin:.8rem 0;text-align:center}
.nnstep figure svg{max-width:100%;height:auto;color:var(--fg)}
.nnstep figcaption,.nnstep .note{font-size:.9rem;color:var(--muted);text-align:center}
.nnstep a.param{cursor:pointer}
.nnstep a.param:hover text,.nnstep a.param:focus text{text-decoration:underline}
.nnstep tr[data-p],.nnstep .nn .edge{transition:background-color .15s,stroke .15s}
@media print{.nnstep{max-width:none;padding:0;font-size:11pt;--fg:#000;--bg:#fff;--muted:#333;--input:#eee}
.nnstep details>summary{list-style:none}.nnstep details>summary::-webkit-details-marker{display:none}
.nnstep details:not([open])>:not(summary){display:block}
.nnstep table.align,.nnstep figure{break-inside:avoid}.nnstep h2,.nnstep h3{break-after:avoid}}
"""


def highlight_css(ids: Sequence[str]) -> str:
    """One rule per parameter: its label hovered, its gradient hovered or targeted, marks its paths and rows."""
    rules = []
    for p in ids:
        when = f'.nnstep:has(a.param[data-param="{p}"]:hover,#grad-{p}:target,table[data-grad="{p}"]:hover)'
        rules.append(f'{when} tr[data-p~="{p}"]{{background:var(--mark)}}')
        rules.append(f'{when} .nn .edge[data-p~="{p}"]{{stroke:var(--edge-mark);stroke-width:2.6;opacity:1}}')
        rules.append(f'{when} a.param[data-param="{p}"] text{{fill:var(--edge-mark);font-weight:bold}}')
    return "\n".join(rules)
