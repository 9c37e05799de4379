package heimdall

import "sort"

// auditIndex lists an app's audit events by action, by actor and by the
// end user they concern, each list in creation order like Audit itself. A
// filtered page then binary-searches its cursor in a short list instead of
// walking a log of a million events for the few rows that match. The lists
// share the events of Audit; they are indexes, rebuilt by reindexAudit.
type auditIndex struct {
	byAction  map[string][]*auditRec
	byActor   map[string][]*auditRec
	bySubject map[string][]*auditRec
	// strs holds one copy of every resource type and actor the events
	// point to: a million events name the same few types and each actor
	// many times, and sharing saves ~40 bytes an event.
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
	ev.ActorID, ev.ResourceType = x.intern(ev.ActorID), x.intern(ev.ResourceType)
	if ev.ResourceID != nil && ev.ActorID != nil && *ev.ResourceID == *ev.ActorID {
		ev.ResourceID = ev.ActorID // an end user acting on their own account
	}
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
// limit. Trimming happens in batches (see appendCapped), and the
// indexes are cut at the same time, so an append stays amortised O(1).
func (a *appRec) addAudit(ev *auditRec, limit int) {
	if a.auditIdx.byAction == nil {
		a.reindexAudit()
	}
	n := len(a.Audit)
	a.Audit = appendCapped(a.Audit, ev, limit)
	if len(a.Audit) <= n {
		a.auditIdx.trim(a.Audit[0].Seq)
	}
	a.auditIdx.add(ev)
}

// trim drops the events older than oldest from every list, and forgets
// actors left without events. Each list is cut after a binary search, so
// this costs in proportion to the events dropped, not to those kept.
func (x *auditIndex) trim(oldest int64) {
	trimLists(x.byAction, oldest, nil)
	trimLists(x.byActor, oldest, func(actor string) { delete(x.strs, actor) })
	trimLists(x.bySubject, oldest, nil)
}

func trimLists(lists map[string][]*auditRec, oldest int64, emptied func(key string)) {
	for key, list := range lists {
		i := sort.Search(len(list), func(i int) bool { return list[i].Seq >= oldest })
		switch {
		case i == 0:
		case i == len(list):
			delete(lists, key)
			if emptied != nil {
				emptied(key)
			}
		default:
			// Clearing the prefix lets its events go; the array itself is
			// released by the next append that outgrows it.
			clear(list[:i])
			lists[key] = list[i:]
		}
	}
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
