package console

import (
	"github.com/chromedp/chromedp"
)

// The phone the console is checked at: 390×844 CSS pixels at device scale 2, a mobile browser
// with touch (an iPhone 12 to 15, or 企业微信's browser on one).
const (
	phoneWidth, phoneHeight = 390, 844
	phoneShotMax            = 4000 // the longest phone screenshot, in CSS pixels
)

// emulatePhone turns the browser into the phone, height CSS pixels tall: the page is laid out
// as a phone lays it out, by its viewport meta tag.
func emulatePhone(height int64) chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(phoneWidth, height, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
}
