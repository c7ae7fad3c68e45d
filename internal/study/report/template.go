package report

import (
	"fmt"
	"html/template"
	"math"
)

var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"num": func(x float64) string {
		if x >= 1000 {
			return comma(int64(math.Round(x)))
		}
		return fmt.Sprintf("%.4g", x)
	},
	"inc": func(i int) int { return i + 1 },
}).Parse(pageHTML))

const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="gallisto report">
<title>{{.Title}}</title>
<style>
:root { --fg: #1b1b1b; --muted: #5a5a5a; --line: #d8d8d8; --bg-alt: #f5f7fa; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0; }
main { max-width: 1140px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 0 0 6px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
p.note, .muted { color: var(--muted); }
section { margin: 28px 0; break-inside: avoid; page-break-inside: avoid; }
nav a { margin-right: 14px; color: #0072B2; text-decoration: none; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child, td.t, th.t { text-align: left; }
tbody tr:nth-child(even) { background: var(--bg-alt); }
td.warn { color: #b35c00; font-weight: 600; }
.scroll { overflow-x: auto; }
svg { max-width: 100%; height: auto; display: block; }
svg text { font: 11px system-ui, sans-serif; fill: var(--fg); }
svg text.ax { fill: var(--muted); }
#tip { position: fixed; pointer-events: none; background: #222; color: #fff; padding: 3px 7px; border-radius: 3px; font-size: 12px; display: none; }
#js-errors:empty { display: none; }
#js-errors { color: #b00; white-space: pre; }
footer { color: var(--muted); font-size: 12px; margin-top: 40px; }
@media print {
  nav, #tip { display: none; }
  main { max-width: none; padding: 0; }
  body { font-size: 11px; }
  section { margin: 16px 0; }
  a { color: inherit; text-decoration: none; }
}
</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
<p class="muted">{{len .Samples}} samples · {{.NTargets}} targets{{if .NGenes}} · {{.NGenes}} genes{{end}} · {{.Indexes}} · model: {{.Models}}{{if .Generated}} · made {{.Generated}}{{end}}</p>
<nav><a href="#samples">Samples</a><a href="#mapping">Mapping</a><a href="#sizes">Library sizes</a><a href="#fld">Fragment lengths</a><a href="#correlation">Correlation</a><a href="#pca">PCA</a><a href="#top">Top transcripts</a>{{if .TopGenes}}<a href="#topgenes">Top genes</a>{{end}}</nav>
<div id="js-errors"></div>

<section id="samples">
<h2>Samples</h2>
<div class="scroll"><table>
<thead><tr><th>sample</th>{{range .MetaKeys}}<th class="t">{{.}}</th>{{end}}<th>reads processed</th><th>pseudoaligned</th><th>one transcript</th><th>fragment length</th><th class="t">strand</th><th class="t">model</th></tr></thead>
<tbody>
{{range .Samples}}<tr data-sample="{{.Name}}"><td>{{.Name}}</td>{{range .Meta}}<td class="t">{{.}}</td>{{end}}<td>{{.Processed}}</td><td>{{.Aligned}}</td><td>{{.Unique}}</td><td>{{.Frag}}</td><td class="t {{.StrandClass}}">{{.Strand}}</td><td class="t">{{.Model}}</td></tr>
{{end}}</tbody></table></div>
<p class="note">Percentages are of reads (pairs) processed. Fragment length: mean ± sd of the pairs the distribution was estimated from, or the -l/-s given.</p>
</section>

<section id="mapping">
<h2>Reads by outcome</h2>
{{.Mapping}}
<p class="note">Each bar is 100% of a sample's reads: pseudoaligned to one transcript, to several, or not aligned, by cause (run_info.json n_unaligned; for a kallisto run only the total).</p>
</section>

<section id="sizes">
<h2>Library sizes</h2>
{{.Sizes}}
</section>

<section id="fld">
<h2>Fragment length distributions</h2>
{{if .FLDShown}}{{.FLD}}
<p class="note">Fraction of the pairs used for the estimate in each 10-base bin; {{.FLDShown}} of {{len .Samples}} samples (single-end runs and kallisto runs record no histogram).</p>
{{else}}<p class="note">No sample recorded a fragment length histogram (single-end data, -l/-s given, or kallisto runs).</p>{{end}}
</section>

<section id="correlation">
<h2>Sample-to-sample correlation</h2>
{{.Heatmap}}
<p class="note">Pearson correlation of log2(TPM + 1) over the transcripts expressed in any sample; colours run from {{.HeatLow}} (light) to {{.HeatHigh}} (dark), the range between different samples (the diagonal is 1). Hover a cell for the pair.</p>
</section>

<section id="pca">
<h2>Principal components</h2>
{{.PCA}}
<p class="note">PCA of log2(TPM + 1) over the 500 most variable {{.PCAOn}}{{if .MetaKeys}}, coloured by {{index .MetaKeys 0}}{{end}}.</p>
</section>

<section id="top">
<h2>Most expressed transcripts</h2>
<div class="scroll"><table><thead><tr><th>#</th><th class="t">transcript</th><th>mean TPM</th><th>min</th><th>max</th></tr></thead><tbody>
{{range $i, $r := .TopTx}}<tr><td>{{inc $i}}</td><td class="t" title="{{$r.Name}}">{{$r.Short}}</td><td>{{num $r.Mean}}</td><td>{{num $r.Min}}</td><td>{{num $r.Max}}</td></tr>
{{end}}</tbody></table></div>
</section>
{{if .TopGenes}}
<section id="topgenes">
<h2>Most expressed genes</h2>
<div class="scroll"><table><thead><tr><th>#</th><th class="t">gene</th><th>mean TPM</th><th>min</th><th>max</th></tr></thead><tbody>
{{range $i, $r := .TopGenes}}<tr><td>{{inc $i}}</td><td class="t" title="{{$r.Name}}">{{$r.Short}}</td><td>{{num $r.Mean}}</td><td>{{num $r.Min}}</td><td>{{num $r.Max}}</td></tr>
{{end}}</tbody></table></div>
</section>
{{end}}
<footer>Made by gallisto report{{if .Version}} {{.Version}}{{end}} from the samples' abundance.tsv and run_info.json. Self-contained: no network access.</footer>
</main>
<div id="tip"></div>
<script type="application/json" id="corr-data">{{.CorrJSON}}</script>
<script>
(function () {
  var errs = [];
  window.addEventListener("error", function (e) {
    errs.push(String(e.message));
    document.getElementById("js-errors").textContent = "Script error: " + errs.join("; ");
  });
  var tip = document.getElementById("tip");
  function show(e, text) { tip.textContent = text; tip.style.display = "block"; tip.style.left = (e.clientX + 12) + "px"; tip.style.top = (e.clientY + 12) + "px"; }
  function hide() { tip.style.display = "none"; }
  var data = JSON.parse(document.getElementById("corr-data").textContent);
  var heat = document.getElementById("heat");
  if (heat) {
    var svg = heat.ownerSVGElement, x0 = +heat.dataset.x, y0 = +heat.dataset.y, cell = +heat.dataset.cell;
    svg.addEventListener("mousemove", function (e) {
      var p = svg.createSVGPoint(); p.x = e.clientX; p.y = e.clientY;
      var q = p.matrixTransform(svg.getScreenCTM().inverse());
      var j = Math.floor((q.x - x0) / cell), i = Math.floor((q.y - y0) / cell);
      if (i >= 0 && j >= 0 && i < data.names.length && j < data.names.length) {
        show(e, data.names[i] + " vs " + data.names[j] + ": r = " + data.r[i][j].toFixed(4));
      } else { hide(); }
    });
    svg.addEventListener("mouseleave", hide);
  }
  document.body.setAttribute("data-rendered", String(data.names.length));
  document.body.setAttribute("data-load-ms", String(Math.round(performance.now())));
})();
</script>
</body>
</html>
`
