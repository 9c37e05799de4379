package heimdall

import (
	"context"
	"encoding/json"
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

// TestBasicAuthWithJSONBody: HTTP Basic client authentication stands for
// the client_id and client_secret the spec requires in a JSON body; a body
// that names another client, or carries a second secret, is an
// invalid_request, and a wrong Basic secret is an invalid_client that
// names the Basic scheme (RFC 6749 2.3.1, 5.2).
func TestBasicAuthWithJSONBody(t *testing.T) {
	h := newHarness(t)
	app := "/v1/apps/" + BootstrapAppID
	c := h.must(201, "POST", app+"/credentials", h.apiKey, map[string]any{"name": "svc"})
	id, secret := c.str("client_id"), c.str("client_secret")
	post := func(user, pass, body string) (int, map[string]any, http.Header) {
		t.Helper()
		req, _ := http.NewRequest("POST", h.srv.URL+"/demo/v1/oauth/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(user, pass)
		res, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out, res.Header
	}
	if st, out, _ := post(id, secret, `{"grant_type":"client_credentials"}`); st != 200 || out["access_token"] == nil {
		t.Errorf("Basic + JSON grant_type only → %d %v", st, out)
	}
	if st, out, _ := post(id, secret, `{"grant_type":"client_credentials","client_id":"`+id+`"}`); st != 200 {
		t.Errorf("Basic + JSON naming the same client → %d %v", st, out)
	}
	if st, out, _ := post(id, secret, `{"grant_type":"client_credentials","client_id":"m2m_someone_else"}`); st != 400 || out["code"] != "invalid_request" {
		t.Errorf("Basic + JSON naming another client → %d %v", st, out)
	}
	if st, out, _ := post(id, secret, `{"grant_type":"client_credentials","client_secret":"other"}`); st != 400 || out["code"] != "invalid_request" {
		t.Errorf("Basic + a second secret in JSON → %d %v", st, out)
	}
	st, out, hdr := post(id, "wrong", `{"grant_type":"client_credentials"}`)
	if st != 401 || out["code"] != "invalid_client" || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("wrong Basic secret → %d %v %v", st, out, hdr)
	}
	// Without Basic the spec's required fields stand.
	h.must(400, "POST", "/demo/v1/oauth/token", "", map[string]any{"grant_type": "client_credentials"})
	// The journal keeps the body as sent, without the Basic secret.
	for _, e := range h.journal.List(0) {
		if strings.Contains(string(e.RequestBody), secret) {
			t.Errorf("journal holds the secret: %s", e.RequestBody)
		}
	}
}
