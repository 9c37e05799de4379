package heimdall

import (
	"net/http"

	"github.com/heimdall-mock/heimdall-mock/internal/control"
)

// avatarControlRoutes serves stored avatar images: the target of the
// public avatar URL's redirect, standing in for a presigned storage URL.
func (d *Domain) avatarControlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /__mock/avatars/{slug}/{account_id}", d.serveAvatar)
}

func (d *Domain) serveAvatar(w http.ResponseWriter, r *http.Request) {
	av := read(d, func() *avatarRec {
		if a := d.st.appBySlug[r.PathValue("slug")]; a != nil {
			if u := a.userByID[r.PathValue("account_id")]; u != nil {
				return u.Avatar
			}
		}
		return nil
	})
	if av == nil || len(av.Data) == 0 {
		control.Error(w, statusNotFound, "not_found", "no uploaded avatar for this account")
		return
	}
	w.Header().Set("Content-Type", av.ContentType)
	w.Header().Set("Cache-Control", "private, max-age=60")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(av.Data)
}
