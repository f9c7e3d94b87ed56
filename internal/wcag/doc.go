// Package wcag computes WCAG 2.x contrast ratios of sRGB colours written as #rgb or #rrggbb:
// what the charts' palette (board) is held to. The console's browser test does the same sum
// in JavaScript on the colours Chromium computes (console/a11y_test.go, contrastJS).
package wcag
