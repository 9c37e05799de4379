package heimdall

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strconv"
	"time"
)

// avatarRec is a user's picture: an uploaded image (kept in the state) or
// a provider picture URL captured at federated sign-in.
type avatarRec struct {
	ContentType string    `json:"content_type,omitempty"`
	Data        []byte    `json:"data,omitempty"`
	PictureURL  string    `json:"picture_url,omitempty"`
	Version     int64     `json:"version"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// maxAvatarBytes is the spec's upload limit.
const maxAvatarBytes = 2 << 20

// sniffImage names the image type of data by its magic bytes: png, jpeg
// and webp are accepted, anything else (svg included) is not.
func sniffImage(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "image/webp"
	}
	return ""
}

var errNoFile = errors.New("file is required")

// avatarFile reads the multipart "file" part, at most maxAvatarBytes+1.
func avatarFile(r *Call) ([]byte, error) {
	_, params, err := mime.ParseMediaType(r.Header("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return nil, errors.New("body must be multipart/form-data with a boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, errNoFile
		}
		if err != nil {
			return nil, errors.New("malformed multipart body: " + err.Error())
		}
		if part.FormName() != "file" {
			continue
		}
		return io.ReadAll(io.LimitReader(part, maxAvatarBytes+1))
	}
}

func (d *Domain) avatarURL(o Origin, a *appRec, u *userRec) string {
	return d.baseURL(o) + "/" + a.Slug + "/v1/avatars/" + u.ID
}

func (d *Domain) setAvatar(r *Call, a *appRec, p *principal) *Reply {
	data, err := avatarFile(r)
	if err != nil {
		return badRequest(err.Error())
	}
	if len(data) > maxAvatarBytes {
		return refuse(fail(statusRequestEntityTooLarge, "Avatar must be at most 2 MB"))
	}
	ct := sniffImage(data)
	if ct == "" {
		return refuse(fail(statusUnsupportedMediaType, "Avatar must be a PNG, JPEG or WEBP image"))
	}
	u := p.user
	// The real service re-encodes to webp; the mock keeps the bytes as sent.
	av := &avatarRec{ContentType: ct, Data: data, UpdatedAt: d.now()}
	if u.Avatar != nil {
		av.Version = u.Avatar.Version + 1
		av.PictureURL = u.Avatar.PictureURL
	}
	u.Avatar, u.UpdatedAt = av, d.now()
	d.audit(a, "user.avatar_updated", u.ID, "end_user", u.ID, u.ID, map[string]any{"content_type": ct, "bytes": len(data)})
	return replyJSON(statusCreated, map[string]any{"avatar_url": d.avatarURL(r.Origin, a, u)})
}

func (d *Domain) removeAvatar(_ *Call, a *appRec, p *principal) *Reply {
	u := p.user
	if u.Avatar != nil {
		u.Avatar, u.UpdatedAt = nil, d.now()
		d.audit(a, "user.avatar_removed", u.ID, "end_user", u.ID, u.ID, nil)
	}
	return noContent(statusNoContent)
}

// avatarRedirect is the public, stable avatar URL: 302 to the stored image
// (served by the mock) or to the provider picture; 404 when there is none.
func (d *Domain) avatarRedirect(r *Call) *Reply {
	return read(d, func() *Reply {
		a, denied := d.consumerApp(r.Param(0))
		if denied != nil {
			return refuse(denied)
		}
		u := a.userByID[r.Param(1)]
		if u == nil || u.Avatar == nil {
			return refuse(fail(statusNotFound, "No avatar"))
		}
		var loc string
		switch {
		case len(u.Avatar.Data) > 0:
			loc = d.baseURL(r.Origin) + "/__mock/avatars/" + a.Slug + "/" + u.ID + "?v=" + strconv.FormatInt(u.Avatar.Version, 10)
		case u.Avatar.PictureURL != "":
			loc = u.Avatar.PictureURL
		default:
			return refuse(fail(statusNotFound, "No avatar"))
		}
		out := redirect(statusFound, loc)
		out.Header["Cache-Control"] = "public, max-age=60"
		return out
	})
}

// setProviderPicture records the picture URL an identity provider gave at
// sign-in; an uploaded avatar still takes precedence. Caller holds d.mu.
func (d *Domain) setProviderPicture(u *userRec, pictureURL string) {
	if pictureURL == "" {
		return
	}
	if u.Avatar == nil {
		u.Avatar = &avatarRec{}
	}
	if u.Avatar.PictureURL != pictureURL {
		u.Avatar.PictureURL, u.Avatar.UpdatedAt = pictureURL, d.now()
		u.Avatar.Version++
	}
}
