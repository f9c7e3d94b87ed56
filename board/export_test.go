package board

// CheckSVG lets the external tests check the page's charts as chart_test.go checks one.
var CheckSVG = checkSVG
