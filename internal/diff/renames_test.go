package diff

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRenamesNameTheOperationStatusAndParent(t *testing.T) {
	old := `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /{app_slug}/v1/auth/signin:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: {display_name: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  access_token: {type: string}
                  data:
                    type: array
                    items: {type: object, properties: {role_id: {type: string}}}
`
	renamed := `openapi: 3.0.3
info: {title: t, version: "2"}
paths:
  /{appSlug}/v1/auth/signin:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: {displayName: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  accessToken: {type: string}
                  data:
                    type: array
                    items: {type: object, properties: {role-id: {type: string}}}
`
	o, err := Load([]byte(old))
	if err != nil {
		t.Fatal(err)
	}
	n, err := Load([]byte(renamed))
	if err != nil {
		t.Fatal(err)
	}
	want := []Rename{
		{Operation: "POST /{}/v1/auth/signin", Request: true, From: "display_name", To: "displayName"},
		{Operation: "POST /{}/v1/auth/signin", Status: "200", From: "access_token", To: "accessToken"},
		{Operation: "POST /{}/v1/auth/signin", Status: "200", Parent: "data[]", From: "role_id", To: "role-id"},
	}
	if d := cmp.Diff(want, Renames(o, n)); d != "" {
		t.Errorf("renames (-want +got):\n%s", d)
	}
	if !SameName("access_token", "accessToken") || SameName("access_token", "token") {
		t.Error("SameName does not fold naming styles only")
	}
}
