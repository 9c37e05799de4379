package heimdall

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// TestStandardOAuth2Client: golang.org/x/oauth2's client-credentials flow
// (form body, HTTP Basic client authentication, then form parameters)
// gets a token the mock's own /verify accepts.
func TestStandardOAuth2Client(t *testing.T) {
	h := newHarness(t)
	app := "/v1/apps/" + BootstrapAppID
	c := h.must(201, "POST", app+"/credentials", h.apiKey, map[string]any{"name": "svc"})
	h.must(200, "PUT", app+"/credentials/"+c.str("id")+"/scopes", h.apiKey, map[string]any{"permissions": []string{"user.read", "role.read"}})
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, h.srv.Client())
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams, oauth2.AuthStyleAutoDetect} {
		cfg := clientcredentials.Config{
			ClientID: c.str("client_id"), ClientSecret: c.str("client_secret"),
			TokenURL: h.srv.URL + "/demo/v1/oauth/token", Scopes: []string{"user.read"}, AuthStyle: style,
		}
		tok, err := cfg.Token(ctx)
		if err != nil {
			t.Fatalf("auth style %d: %v", style, err)
		}
		if tok.TokenType != "Bearer" || tok.Extra("scope") != "user.read" {
			t.Errorf("auth style %d: %+v scope %v", style, tok, tok.Extra("scope"))
		}
		v := h.must(200, "POST", "/demo/v1/verify", h.apiKey, map[string]any{"token": tok.AccessToken})
		if v.body["valid"] != true {
			t.Errorf("auth style %d: %s", style, v.raw)
		}
	}
	bad := clientcredentials.Config{ClientID: c.str("client_id"), ClientSecret: "wrong", TokenURL: h.srv.URL + "/demo/v1/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
	var re *oauth2.RetrieveError
	if _, err := bad.Token(ctx); !errors.As(err, &re) || re.Response.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong secret: %v", err)
	}
	// A secret with characters RFC 6749 2.3.1 form-encodes in Basic auth.
	req, _ := http.NewRequest("POST", h.srv.URL+"/demo/v1/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.str("client_id"), strings.ReplaceAll(c.str("client_secret"), "-", "%2D"))
	res, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("form-encoded Basic credentials: %d", res.StatusCode)
	}
}
