package heimdall

func (d *Domain) serveAvatar(r *Call) *Reply {
	av := read(d, func() *avatarRec {
		if a := d.st.appBySlug[r.Param(0)]; a != nil {
			if u := a.userByID[r.Param(1)]; u != nil {
				return u.Avatar
			}
		}
		return nil
	})
	if av == nil || len(av.Data) == 0 {
		return controlRefusal(statusNotFound, "not_found", "no uploaded avatar for this account")
	}
	return &Reply{Status: statusOK, Raw: av.Data, ContentType: av.ContentType, Header: map[string]string{
		"Cache-Control": "private, max-age=60", "X-Content-Type-Options": "nosniff",
	}}
}
