package heimdall

// auditIndex lists an app's audit events by action, by actor and by the
// end user they concern, each list in creation order like Audit itself. A
// filtered page then binary-searches its cursor in a short list instead of
// walking a log of a million events for the few rows that match. The lists
// share the events of Audit; they are indexes, rebuilt by reindexAudit.
type auditIndex struct {
	byAction  map[string][]*auditRec
	byActor   map[string][]*auditRec
	bySubject map[string][]*auditRec
	// strs holds one copy of every actor, resource type and resource id
	// the events point to: a million events name the same few types and
	// each actor many times, and sharing saves ~40 bytes an event.
	strs map[string]*string
}

func (x *auditIndex) intern(p *string) *string {
	if p == nil {
		return nil
	}
	if q, ok := x.strs[*p]; ok {
		return q
	}
	x.strs[*p] = p
	return p
}

func (x *auditIndex) add(ev *auditRec) {
	ev.ActorID, ev.ResourceType, ev.ResourceID = x.intern(ev.ActorID), x.intern(ev.ResourceType), x.intern(ev.ResourceID)
	x.byAction[ev.Action] = append(x.byAction[ev.Action], ev)
	if ev.ActorID != nil {
		x.byActor[*ev.ActorID] = append(x.byActor[*ev.ActorID], ev)
	}
	if ev.SubjectID != "" {
		x.bySubject[ev.SubjectID] = append(x.bySubject[ev.SubjectID], ev)
	}
}

// reindexAudit rebuilds the audit indexes from Audit.
func (a *appRec) reindexAudit() {
	a.auditIdx = auditIndex{
		byAction:  map[string][]*auditRec{},
		byActor:   map[string][]*auditRec{},
		bySubject: map[string][]*auditRec{},
		strs:      map[string]*string{},
	}
	for _, ev := range a.Audit {
		a.auditIdx.add(ev)
	}
}

// addAudit appends ev to the log, dropping the oldest events beyond
// maxAuditPerApp. Trimming happens in batches (see appendCapped), and only
// then are the indexes rebuilt, so an append stays amortised O(1).
func (a *appRec) addAudit(ev *auditRec) {
	if a.auditIdx.byAction == nil {
		a.reindexAudit()
	}
	n := len(a.Audit)
	a.Audit = appendCapped(a.Audit, ev, maxAuditPerApp)
	if len(a.Audit) <= n {
		a.reindexAudit()
		return
	}
	a.auditIdx.add(ev)
}

// auditFor is the shortest list holding every event that may match the
// action and actor filters ("" matches all); callers still filter it, since
// with both filters set it holds events that match only one.
func (a *appRec) auditFor(action, actor string) []*auditRec {
	list := a.Audit
	if action != "" {
		list = a.auditIdx.byAction[action]
	}
	if actor != "" {
		if byActor := a.auditIdx.byActor[actor]; len(byActor) <= len(list) {
			list = byActor
		}
	}
	return list
}

// auditOf lists the events concerning one end user, for /me/activity.
func (a *appRec) auditOf(userID string) []*auditRec { return a.auditIdx.bySubject[userID] }
