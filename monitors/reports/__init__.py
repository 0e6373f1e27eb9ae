"""HTML for people: the window page (a list of sections), the model and home pages, charts as
inline SVG, baseline-vs-window histograms, Evidently's report, and the text of rules and
failure messages."""
