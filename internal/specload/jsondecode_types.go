package specload

import (
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// One decoder per kin-openapi type, each reading the keys its yaml tags
// declare; see jsondecode.go for the rules they follow. A $ref key in a
// type that a reference wrapper holds means the object is a reference
// after all (its $ref was not its first key): the wrapper's to decode
// from nodes.

func decodeT(d *decoder) (*openapi3.T, error) {
	doc := &openapi3.T{}
	var parts parts
	err := d.members(func(k string) error {
		switch k {
		case "openapi":
			d.res.openapiString = d.peek() == '"'
			return d.strField(&doc.OpenAPI)
		case "components":
			if d.peek() == '{' {
				return parts.decode(d, func(d *decoder) error { return object(d, &doc.Components, decodeComponents) })
			}
			return object(d, &doc.Components, decodeComponents)
		case "info":
			return object(d, &doc.Info, decodeInfo)
		case "paths":
			if d.peek() == '{' {
				return parts.decode(d, func(d *decoder) error { return object(d, &doc.Paths, decodePathsObject) })
			}
			return object(d, &doc.Paths, decodePathsObject)
		case "security":
			return d.securityRequirements(&doc.Security)
		case "servers":
			return objectList(d, &doc.Servers, decodeServer)
		case "tags":
			return objectList(d, &doc.Tags, decodeTag)
		case "externalDocs":
			return object(d, &doc.ExternalDocs, decodeExternalDocs)
		case "webhooks":
			return objectMap(d, &doc.Webhooks, decodePathItem)
		case "jsonSchemaDialect":
			return d.strField(&doc.JSONSchemaDialect)
		case "swagger":
			d.res.swagger = true
		}
		return d.ext(&doc.Extensions, k)
	})
	if perr := parts.wait(d); err == nil {
		err = perr
	}
	return doc, err
}

func decodeInfo(d *decoder) (*openapi3.Info, error) {
	v := &openapi3.Info{}
	err := d.members(func(k string) error {
		switch k {
		case "title":
			return d.strField(&v.Title)
		case "summary":
			return d.strField(&v.Summary)
		case "description":
			return d.strField(&v.Description)
		case "termsOfService":
			return d.strField(&v.TermsOfService)
		case "contact":
			return object(d, &v.Contact, decodeContact)
		case "license":
			return object(d, &v.License, decodeLicense)
		case "version":
			return d.strField(&v.Version)
		}
		return d.ext(&v.Extensions, k)
	})
	return v, err
}

func decodeContact(d *decoder) (*openapi3.Contact, error) {
	v := &openapi3.Contact{}
	err := d.members(func(k string) error {
		switch k {
		case "name":
			return d.strField(&v.Name)
		case "url":
			return d.strField(&v.URL)
		case "email":
			return d.strField(&v.Email)
		}
		return d.ext(&v.Extensions, k)
	})
	return v, err
}

func decodeLicense(d *decoder) (*openapi3.License, error) {
	v := &openapi3.License{}
	err := d.members(func(k string) error {
		switch k {
		case "name":
			return d.strField(&v.Name)
		case "url":
			return d.strField(&v.URL)
		case "identifier":
			return d.strField(&v.Identifier)
		}
		return d.ext(&v.Extensions, k)
	})
	return v, err
}

func decodeServer(d *decoder) (*openapi3.Server, error) {
	v := &openapi3.Server{}
	err := d.members(func(k string) error {
		switch k {
		case "url":
			return d.strField(&v.URL)
		case "description":
			return d.strField(&v.Description)
		case "variables":
			return objectMap(d, &v.Variables, decodeServerVariable)
		}
		return d.ext(&v.Extensions, k)
	})
	return v, err
}

func decodeServerVariable(d *decoder) (*openapi3.ServerVariable, error) {
	v := &openapi3.ServerVariable{}
	err := d.members(func(k string) error {
		switch k {
		case "enum":
			return d.strings(&v.Enum)
		case "default":
			return d.strField(&v.Default)
		case "description":
			return d.strField(&v.Description)
		}
		return d.ext(&v.Extensions, k)
	})
	return v, err
}

func decodeExternalDocs(d *decoder) (*openapi3.ExternalDocs, error) {
	v := &openapi3.ExternalDocs{}
	err := d.members(func(k string) error {
		switch k {
		case "description":
			return d.strField(&v.Description)
		case "url":
			return d.strField(&v.URL)
		}
		return d.ext(&v.Extensions, k)
	})
	return v, err
}

func decodeTag(d *decoder) (*openapi3.Tag, error) {
	v := &openapi3.Tag{}
	err := d.members(func(k string) error {
		switch k {
		case "name":
			return d.strField(&v.Name)
		case "description":
			return d.strField(&v.Description)
		case "externalDocs":
			return object(d, &v.ExternalDocs, decodeExternalDocs)
		}
		return d.ext(&v.Extensions, k)
	})
	return v, err
}

// securityRequirements reads a list of security requirements, each a map
// of scheme names to scopes.
func (d *decoder) securityRequirements(dst *openapi3.SecurityRequirements) error {
	if null, err := d.opening('['); null || err != nil {
		return err
	}
	list := openapi3.SecurityRequirements{}
	err := d.elements(func() error {
		var r openapi3.SecurityRequirement
		var err error
		if d.peek() == '{' {
			err = boundary(d, &r, decodeSecurityRequirement)
		} else {
			err = fromNodes(d, d.pos, &r)
		}
		list = append(list, r)
		return err
	})
	*dst = list
	return err
}

func decodeSecurityRequirement(d *decoder) (openapi3.SecurityRequirement, error) {
	r := openapi3.SecurityRequirement{}
	err := d.members(func(k string) error {
		if d.peek() != '[' {
			return errFallback // a null or a single scope: the decoder's rules
		}
		var scopes []string
		err := d.strings(&scopes)
		r[k] = scopes
		return err
	})
	return r, err
}

func decodeComponents(d *decoder) (*openapi3.Components, error) {
	v := &openapi3.Components{}
	first := true
	err := d.members(func(k string) error {
		firstKey := first
		first = false
		switch k {
		case "schemas":
			if firstKey && d.peek() == '{' {
				return d.componentSchemas(&v.Schemas)
			}
			return objectMap(d, &v.Schemas, decodeSchemaRef)
		case "parameters":
			return objectMap(d, &v.Parameters, decodeParameterRef)
		case "headers":
			return objectMap(d, &v.Headers, decodeHeaderRef)
		case "requestBodies":
			return objectMap(d, &v.RequestBodies, decodeRequestBodyRef)
		case "responses":
			return objectMap(d, &v.Responses, decodeResponseRef)
		case "securitySchemes":
			return objectMap(d, &v.SecuritySchemes, decodeSecuritySchemeRef)
		case "examples":
			return objectMap(d, &v.Examples, decodeExampleRef)
		case "links":
			return objectMap(d, &v.Links, decodeLinkRef)
		case "callbacks":
			return objectMap(d, &v.Callbacks, decodeCallbackRef)
		}
		return d.ext(&v.Extensions, k)
	})
	return v, err
}

// componentSchemas reads the component schemas as decodeViaNodes does
// when they are the components' first member: it reads them from the
// text one by one (decodeSchemas), refusing a schema that is not an
// object, and this must refuse the same documents.
func (d *decoder) componentSchemas(dst *openapi3.Schemas) error {
	m := openapi3.Schemas{}
	*dst = m
	return d.members(func(k string) error {
		if d.peek() != '{' {
			return errNotPlainJSON
		}
		var v *openapi3.SchemaRef
		err := object(d, &v, decodeSchemaRef)
		m[k] = v
		return err
	})
}

// decodePathsObject reads the paths, a map-like object.
func decodePathsObject(d *decoder) (*openapi3.Paths, error) {
	v := openapi3.NewPathsWithCapacity(0)
	v.Extensions = map[string]any{}
	err := d.members(func(k string) error {
		if strings.HasPrefix(k, "x-") {
			return d.ext(&v.Extensions, k)
		}
		item, err := entry(d, decodePathItem)
		v.Set(k, item)
		return err
	})
	return v, err
}

func decodePathItem(d *decoder) (*openapi3.PathItem, error) {
	v := &openapi3.PathItem{}
	err := d.members(func(k string) error {
		switch k {
		case "$ref":
			return d.strField(&v.Ref)
		case "summary":
			return d.strField(&v.Summary)
		case "description":
			return d.strField(&v.Description)
		case "connect":
			return object(d, &v.Connect, decodeOperation)
		case "delete":
			return object(d, &v.Delete, decodeOperation)
		case "get":
			return object(d, &v.Get, decodeOperation)
		case "head":
			return object(d, &v.Head, decodeOperation)
		case "options":
			return object(d, &v.Options, decodeOperation)
		case "patch":
			return object(d, &v.Patch, decodeOperation)
		case "post":
			return object(d, &v.Post, decodeOperation)
		case "put":
			return object(d, &v.Put, decodeOperation)
		case "trace":
			return object(d, &v.Trace, decodeOperation)
		case "query":
			return object(d, &v.Query, decodeOperation)
		case "servers":
			return objectList(d, &v.Servers, decodeServer)
		case "parameters":
			return objectList(d, &v.Parameters, decodeParameterRef)
		case "additionalOperations":
			return objectMap(d, &v.AdditionalOperations, decodeOperation)
		}
		return d.ext(&v.Extensions, k)
	})
	return v, err
}

func decodeOperation(d *decoder) (*openapi3.Operation, error) {
	v := &openapi3.Operation{}
	err := d.members(func(k string) error {
		switch k {
		case "tags":
			return d.strings(&v.Tags)
		case "summary":
			return d.strField(&v.Summary)
		case "description":
			return d.strField(&v.Description)
		case "operationId":
			return d.strField(&v.OperationID)
		case "parameters":
			return objectList(d, &v.Parameters, decodeParameterRef)
		case "requestBody":
			return object(d, &v.RequestBody, decodeRequestBodyRef)
		case "responses":
			if d.peek() == 'n' {
				return errFallback // kin-openapi marks an explicit null
			}
			return object(d, &v.Responses, decodeResponses)
		case "callbacks":
			return objectMap(d, &v.Callbacks, decodeCallbackRef)
		case "deprecated":
			return d.boolField(&v.Deprecated)
		case "security":
			if d.peek() == 'n' {
				return d.literal("null")
			}
			v.Security = &openapi3.SecurityRequirements{}
			return d.securityRequirements(v.Security)
		case "servers":
			switch d.peek() {
			case 'n':
				return d.literal("null")
			case '[':
				v.Servers = &openapi3.Servers{}
				return objectList(d, v.Servers, decodeServer)
			}
			return errFallback
		case "externalDocs":
			return object(d, &v.ExternalDocs, decodeExternalDocs)
		}
		return d.ext(&v.Extensions, k)
	})
	return v, err
}

// decodeResponses reads an operation's responses, a map-like object.
func decodeResponses(d *decoder) (*openapi3.Responses, error) {
	v := openapi3.NewResponsesWithCapacity(0)
	v.Extensions = map[string]any{}
	err := d.members(func(k string) error {
		if strings.HasPrefix(k, "x-") {
			return d.ext(&v.Extensions, k)
		}
		r, err := entry(d, decodeResponseRef)
		v.Set(k, r)
		return err
	})
	return v, err
}

func decodeCallbackRef(d *decoder) (*openapi3.CallbackRef, error) {
	if r, ok, err := d.ref(true); ok {
		return &openapi3.CallbackRef{Ref: r.ref, Summary: r.summary, Description: r.description}, err
	}
	v := openapi3.NewCallbackWithCapacity(0)
	v.Extensions = map[string]any{}
	err := d.members(func(k string) error {
		if k == "$ref" {
			return errFallback
		}
		if strings.HasPrefix(k, "x-") {
			return d.ext(&v.Extensions, k)
		}
		item, err := entry(d, decodePathItem)
		v.Set(k, item)
		return err
	})
	return &openapi3.CallbackRef{Value: v}, err
}

func decodeParameterRef(d *decoder) (*openapi3.ParameterRef, error) {
	if r, ok, err := d.ref(true); ok {
		return &openapi3.ParameterRef{Ref: r.ref, Summary: r.summary, Description: r.description}, err
	}
	v := &openapi3.Parameter{}
	err := decodeParameter(d, v)
	return &openapi3.ParameterRef{Value: v}, err
}

func decodeHeaderRef(d *decoder) (*openapi3.HeaderRef, error) {
	if r, ok, err := d.ref(true); ok {
		return &openapi3.HeaderRef{Ref: r.ref, Summary: r.summary, Description: r.description}, err
	}
	v := &openapi3.Header{}
	err := decodeParameter(d, &v.Parameter) // a header decodes as the parameter it embeds
	return &openapi3.HeaderRef{Value: v}, err
}

func decodeParameter(d *decoder, v *openapi3.Parameter) error {
	return d.members(func(k string) error {
		switch k {
		case "name":
			return d.strField(&v.Name)
		case "in":
			return d.strField(&v.In)
		case "description":
			return d.strField(&v.Description)
		case "style":
			return d.strField(&v.Style)
		case "explode":
			return d.boolPtr(&v.Explode)
		case "allowEmptyValue":
			return d.boolField(&v.AllowEmptyValue)
		case "allowReserved":
			return d.boolField(&v.AllowReserved)
		case "deprecated":
			return d.boolField(&v.Deprecated)
		case "required":
			return d.boolField(&v.Required)
		case "schema":
			return object(d, &v.Schema, decodeSchemaRef)
		case "example":
			return d.anyField(&v.Example)
		case "examples":
			return objectMap(d, &v.Examples, decodeExampleRef)
		case "content":
			return objectMap(d, &v.Content, decodeMediaType)
		case "$ref":
			return errFallback
		}
		return d.ext(&v.Extensions, k)
	})
}

func decodeRequestBodyRef(d *decoder) (*openapi3.RequestBodyRef, error) {
	if r, ok, err := d.ref(true); ok {
		return &openapi3.RequestBodyRef{Ref: r.ref, Summary: r.summary, Description: r.description}, err
	}
	v := &openapi3.RequestBody{}
	err := d.members(func(k string) error {
		switch k {
		case "description":
			return d.strField(&v.Description)
		case "required":
			return d.boolField(&v.Required)
		case "content":
			return objectMap(d, &v.Content, decodeMediaType)
		case "$ref":
			return errFallback
		}
		return d.ext(&v.Extensions, k)
	})
	return &openapi3.RequestBodyRef{Value: v}, err
}

func decodeResponseRef(d *decoder) (*openapi3.ResponseRef, error) {
	if r, ok, err := d.ref(true); ok {
		return &openapi3.ResponseRef{Ref: r.ref, Summary: r.summary, Description: r.description}, err
	}
	v := &openapi3.Response{}
	err := d.members(func(k string) error {
		switch k {
		case "description":
			return d.strPtr(&v.Description)
		case "headers":
			return objectMap(d, &v.Headers, decodeHeaderRef)
		case "content":
			return objectMap(d, &v.Content, decodeMediaType)
		case "links":
			return objectMap(d, &v.Links, decodeLinkRef)
		case "$ref":
			return errFallback
		}
		return d.ext(&v.Extensions, k)
	})
	return &openapi3.ResponseRef{Value: v}, err
}

func decodeMediaType(d *decoder) (*openapi3.MediaType, error) {
	v := &openapi3.MediaType{}
	err := d.members(func(k string) error {
		switch k {
		case "schema":
			return object(d, &v.Schema, decodeSchemaRef)
		case "itemSchema":
			return object(d, &v.ItemSchema, decodeSchemaRef)
		case "example":
			return d.anyField(&v.Example)
		case "examples":
			return objectMap(d, &v.Examples, decodeExampleRef)
		case "encoding":
			return objectMap(d, &v.Encoding, decodeEncoding)
		}
		return d.ext(&v.Extensions, k)
	})
	return v, err
}

func decodeEncoding(d *decoder) (*openapi3.Encoding, error) {
	v := &openapi3.Encoding{}
	err := d.members(func(k string) error {
		switch k {
		case "contentType":
			return d.strField(&v.ContentType)
		case "headers":
			return objectMap(d, &v.Headers, decodeHeaderRef)
		case "style":
			return d.strField(&v.Style)
		case "explode":
			return d.boolPtr(&v.Explode)
		case "allowReserved":
			return d.boolField(&v.AllowReserved)
		}
		return d.ext(&v.Extensions, k)
	})
	return v, err
}

func decodeExampleRef(d *decoder) (*openapi3.ExampleRef, error) {
	if r, ok, err := d.ref(true); ok {
		return &openapi3.ExampleRef{Ref: r.ref, Summary: r.summary, Description: r.description}, err
	}
	v := &openapi3.Example{}
	err := d.members(func(k string) error {
		switch k {
		case "summary":
			return d.strField(&v.Summary)
		case "description":
			return d.strField(&v.Description)
		case "value":
			return d.anyField(&v.Value)
		case "externalValue":
			return d.strField(&v.ExternalValue)
		case "$ref":
			return errFallback
		}
		return d.ext(&v.Extensions, k)
	})
	return &openapi3.ExampleRef{Value: v}, err
}

func decodeLinkRef(d *decoder) (*openapi3.LinkRef, error) {
	if r, ok, err := d.ref(true); ok {
		return &openapi3.LinkRef{Ref: r.ref, Summary: r.summary, Description: r.description}, err
	}
	v := &openapi3.Link{}
	err := d.members(func(k string) error {
		switch k {
		case "operationRef":
			return d.strField(&v.OperationRef)
		case "operationId":
			return d.strField(&v.OperationID)
		case "description":
			return d.strField(&v.Description)
		case "parameters":
			switch d.peek() {
			case 'n':
				return d.literal("null")
			case '{':
				p, err := d.anyValue()
				v.Parameters, _ = p.(map[string]any)
				return err
			}
			return errFallback
		case "server":
			return object(d, &v.Server, decodeServer)
		case "requestBody":
			return d.anyField(&v.RequestBody)
		case "$ref":
			return errFallback
		}
		return d.ext(&v.Extensions, k)
	})
	return &openapi3.LinkRef{Value: v}, err
}

func decodeSecuritySchemeRef(d *decoder) (*openapi3.SecuritySchemeRef, error) {
	if r, ok, err := d.ref(true); ok {
		return &openapi3.SecuritySchemeRef{Ref: r.ref, Summary: r.summary, Description: r.description}, err
	}
	v := &openapi3.SecurityScheme{}
	err := d.members(func(k string) error {
		switch k {
		case "type":
			return d.strField(&v.Type)
		case "description":
			return d.strField(&v.Description)
		case "name":
			return d.strField(&v.Name)
		case "in":
			return d.strField(&v.In)
		case "scheme":
			return d.strField(&v.Scheme)
		case "bearerFormat":
			return d.strField(&v.BearerFormat)
		case "flows":
			return object(d, &v.Flows, decodeOAuthFlows)
		case "openIdConnectUrl":
			return d.strField(&v.OpenIdConnectUrl)
		case "$ref":
			return errFallback
		}
		return d.ext(&v.Extensions, k)
	})
	return &openapi3.SecuritySchemeRef{Value: v}, err
}

func decodeOAuthFlows(d *decoder) (*openapi3.OAuthFlows, error) {
	v := &openapi3.OAuthFlows{}
	err := d.members(func(k string) error {
		switch k {
		case "implicit":
			return object(d, &v.Implicit, decodeOAuthFlow)
		case "password":
			return object(d, &v.Password, decodeOAuthFlow)
		case "clientCredentials":
			return object(d, &v.ClientCredentials, decodeOAuthFlow)
		case "authorizationCode":
			return object(d, &v.AuthorizationCode, decodeOAuthFlow)
		}
		return d.ext(&v.Extensions, k)
	})
	return v, err
}

func decodeOAuthFlow(d *decoder) (*openapi3.OAuthFlow, error) {
	v := &openapi3.OAuthFlow{}
	err := d.members(func(k string) error {
		switch k {
		case "authorizationUrl":
			return d.strField(&v.AuthorizationURL)
		case "tokenUrl":
			return d.strField(&v.TokenURL)
		case "refreshUrl":
			return d.strField(&v.RefreshURL)
		case "scopes":
			switch d.peek() {
			case 'n':
				return d.literal("null")
			case '{':
				v.Scopes = map[string]string{}
				return d.stringMap(func(k, s string) { v.Scopes[k] = s })
			}
			return errFallback
		}
		return d.ext(&v.Extensions, k)
	})
	return v, err
}

func decodeDiscriminator(d *decoder) (*openapi3.Discriminator, error) {
	v := &openapi3.Discriminator{}
	err := d.members(func(k string) error {
		switch k {
		case "propertyName":
			return d.strField(&v.PropertyName)
		case "mapping":
			switch d.peek() {
			case 'n':
				return d.literal("null")
			case '{':
				v.Mapping = map[string]openapi3.MappingRef{}
				return d.stringMap(func(k, s string) { v.Mapping[k] = openapi3.MappingRef{Ref: s} })
			}
			return errFallback
		}
		return d.ext(&v.Extensions, k)
	})
	return v, err
}

func decodeXML(d *decoder) (*openapi3.XML, error) {
	v := &openapi3.XML{}
	err := d.members(func(k string) error {
		switch k {
		case "name":
			return d.strField(&v.Name)
		case "namespace":
			return d.strField(&v.Namespace)
		case "prefix":
			return d.strField(&v.Prefix)
		case "attribute":
			return d.boolField(&v.Attribute)
		case "wrapped":
			return d.boolField(&v.Wrapped)
		}
		return d.ext(&v.Extensions, k)
	})
	return v, err
}

func decodeSchemaRef(d *decoder) (*openapi3.SchemaRef, error) {
	if r, ok, err := d.ref(false); ok {
		return &openapi3.SchemaRef{Ref: r.ref}, err
	}
	v, err := decodeSchema(d)
	return &openapi3.SchemaRef{Value: v}, err
}

func decodeSchema(d *decoder) (*openapi3.Schema, error) {
	v := &openapi3.Schema{}
	err := d.members(func(k string) error {
		switch k {
		case "oneOf":
			return objectList(d, &v.OneOf, decodeSchemaRef)
		case "anyOf":
			return objectList(d, &v.AnyOf, decodeSchemaRef)
		case "allOf":
			return objectList(d, &v.AllOf, decodeSchemaRef)
		case "not":
			return object(d, &v.Not, decodeSchemaRef)
		case "type":
			return d.types(&v.Type)
		case "title":
			return d.strField(&v.Title)
		case "format":
			return d.strField(&v.Format)
		case "description":
			return d.strField(&v.Description)
		case "enum":
			return d.anyList(&v.Enum)
		case "default":
			return d.anyField(&v.Default)
		case "example":
			return d.anyField(&v.Example)
		case "externalDocs":
			return object(d, &v.ExternalDocs, decodeExternalDocs)
		case "uniqueItems":
			return d.boolField(&v.UniqueItems)
		case "exclusiveMinimum":
			return d.bound(&v.ExclusiveMin)
		case "exclusiveMaximum":
			return d.bound(&v.ExclusiveMax)
		case "nullable":
			return d.boolField(&v.Nullable)
		case "readOnly":
			return d.boolField(&v.ReadOnly)
		case "writeOnly":
			return d.boolField(&v.WriteOnly)
		case "allowEmptyValue":
			return d.boolField(&v.AllowEmptyValue)
		case "deprecated":
			return d.boolField(&v.Deprecated)
		case "xml":
			return object(d, &v.XML, decodeXML)
		case "minimum":
			return d.floatPtr(&v.Min)
		case "maximum":
			return d.floatPtr(&v.Max)
		case "multipleOf":
			return d.floatPtr(&v.MultipleOf)
		case "minLength":
			return d.uintField(&v.MinLength)
		case "maxLength":
			return d.uintPtr(&v.MaxLength)
		case "pattern":
			return d.strField(&v.Pattern)
		case "minItems":
			return d.uintField(&v.MinItems)
		case "maxItems":
			return d.uintPtr(&v.MaxItems)
		case "items":
			return object(d, &v.Items, decodeSchemaRef)
		case "required":
			return d.strings(&v.Required)
		case "properties":
			return objectMap(d, &v.Properties, decodeSchemaRef)
		case "minProperties":
			return d.uintField(&v.MinProps)
		case "maxProperties":
			return d.uintPtr(&v.MaxProps)
		case "additionalProperties":
			return d.boolSchema(&v.AdditionalProperties)
		case "discriminator":
			return object(d, &v.Discriminator, decodeDiscriminator)
		case "const":
			return d.anyField(&v.Const)
		case "examples":
			return d.anyList(&v.Examples)
		case "prefixItems":
			return objectList(d, &v.PrefixItems, decodeSchemaRef)
		case "contains":
			return object(d, &v.Contains, decodeSchemaRef)
		case "minContains":
			return d.uintPtr(&v.MinContains)
		case "maxContains":
			return d.uintPtr(&v.MaxContains)
		case "patternProperties":
			return objectMap(d, &v.PatternProperties, decodeSchemaRef)
		case "dependentSchemas":
			return objectMap(d, &v.DependentSchemas, decodeSchemaRef)
		case "propertyNames":
			return object(d, &v.PropertyNames, decodeSchemaRef)
		case "unevaluatedItems":
			return d.boolSchema(&v.UnevaluatedItems)
		case "unevaluatedProperties":
			return d.boolSchema(&v.UnevaluatedProperties)
		case "if":
			return object(d, &v.If, decodeSchemaRef)
		case "then":
			return object(d, &v.Then, decodeSchemaRef)
		case "else":
			return object(d, &v.Else, decodeSchemaRef)
		case "dependentRequired":
			return d.dependentRequired(&v.DependentRequired)
		case "$defs":
			return objectMap(d, &v.Defs, decodeSchemaRef)
		case "$schema":
			return d.strField(&v.SchemaDialect)
		case "$comment":
			return d.strField(&v.Comment)
		case "$id":
			return d.strField(&v.SchemaID)
		case "$anchor":
			return d.strField(&v.Anchor)
		case "$dynamicRef":
			return d.strField(&v.DynamicRef)
		case "$dynamicAnchor":
			return d.strField(&v.DynamicAnchor)
		case "contentMediaType":
			return d.strField(&v.ContentMediaType)
		case "contentEncoding":
			return d.strField(&v.ContentEncoding)
		case "contentSchema":
			return object(d, &v.ContentSchema, decodeSchemaRef)
		case "$ref":
			return errFallback
		}
		return d.ext(&v.Extensions, k)
	})
	return v, err
}

// types reads a schema's type: one name or a list of names.
func (d *decoder) types(dst **openapi3.Types) error {
	switch d.peek() {
	case 'n':
		return d.literal("null")
	case '"':
		s, err := d.str()
		*dst = &openapi3.Types{s}
		return err
	}
	var list []string
	err := d.strings(&list)
	t := openapi3.Types(list)
	*dst = &t
	return err
}

// bound reads exclusiveMinimum or exclusiveMaximum: a flag in 3.0, the
// bound itself in 3.1.
func (d *decoder) bound(dst *openapi3.ExclusiveBound) error {
	switch c := d.peek(); {
	case c == 't' || c == 'f':
		return d.boolPtr(&dst.Bool)
	case c == 'n':
		return d.literal("null")
	case isNumberStart(c):
		return d.floatPtr(&dst.Value)
	}
	return errFallback
}

// boolSchema reads additionalProperties and the like: a flag or a schema.
func (d *decoder) boolSchema(dst *openapi3.BoolSchema) error {
	switch d.peek() {
	case 't', 'f':
		return d.boolPtr(&dst.Has)
	case 'n':
		return d.literal("null")
	case '{':
		return object(d, &dst.Schema, decodeSchemaRef)
	}
	return errFallback
}

func (d *decoder) dependentRequired(dst *map[string][]string) error {
	if null, err := d.opening('{'); null || err != nil {
		return err
	}
	m := map[string][]string{}
	*dst = m
	return d.members(func(k string) error {
		if d.peek() != '[' {
			return errFallback
		}
		var list []string
		err := d.strings(&list)
		m[k] = list
		return err
	})
}
