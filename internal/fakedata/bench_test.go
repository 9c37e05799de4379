package fakedata_test

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/heimdall-mock/heimdall-mock/internal/fakedata"
	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
)

// endUserList is the live spec's response for listing an app's end users,
// one of its largest response bodies.
func endUserList(b *testing.B) *openapi3.SchemaRef {
	b.Helper()
	doc := loadSpec(b, testspecs.Newest(b))
	item := doc.Paths.Value("/v1/apps/{app_id}/end-users")
	if item == nil || item.Get == nil {
		b.Fatal("the newest spec has no GET /v1/apps/{app_id}/end-users")
	}
	resp := item.Get.Responses.Status(200)
	if resp == nil || resp.Value == nil || resp.Value.Content.Get("application/json") == nil {
		b.Fatal("GET /v1/apps/{app_id}/end-users has no JSON 200 response")
	}
	return resp.Value.Content.Get("application/json").Schema
}

func BenchmarkGenerate(b *testing.B) {
	s := endUserList(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		fakedata.Generate(s, uint64(i))
	}
}

func BenchmarkGenerateParallel(b *testing.B) {
	s := endUserList(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var i uint64
		for pb.Next() {
			i++
			fakedata.Generate(s, i)
		}
	})
}

func BenchmarkSeed(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		fakedata.Seed(1, "GET /v1/apps/{app_id}/end-users", "200")
	}
}
