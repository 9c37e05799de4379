package heimdall

import "net/url"

// mailLink is the link a mail carries when the app has no web origin of
// its own: a page of the mock that says what the code is for and applies
// it, so following a link from the outbox never ends in a 404.
func mailLink(base, slug, action, code string) string {
	return base + "/__mock/links/" + url.PathEscape(slug) + "/" + action + "?code=" + url.QueryEscape(code)
}
