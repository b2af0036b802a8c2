"""The dashboards as static HTML pages: `formats` (French numbers, dates, column labels),
`charts` (SVG), `cards` (a card's result drawn), `pages` (the pages, and `render`)."""
