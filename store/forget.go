package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Subject names the records Forget deletes: a customer (SenderID) or a conversation (ChatID),
// the raw ids as they were sent to /intent. Both set: the records of either.
type Subject struct {
	SenderID string
	ChatID   string
}

// SubjectOf is the subject a request names: each id as given, spaces and all (/intent hashed it
// as the gateway sent it; Forget and Records match it so and trimmed), an id of white space
// alone naming no one.
func SubjectOf(senderID, chatID string) Subject {
	nonBlank := func(id string) string {
		if strings.TrimSpace(id) == "" {
			return ""
		}
		return id
	}
	return Subject{SenderID: nonBlank(senderID), ChatID: nonBlank(chatID)}
}

// Forgotten counts what Forget deleted.
type Forgotten struct {
	Decisions int64 `json:"decisions"`
	Feedback  int64 `json:"feedback"`
	Labels    int64 `json:"labels"`
}

// Forget deletes what the decision log holds of a subject, as a customer's request to have their
// personal information deleted asks (个人信息保护法, the right to deletion): the decisions whose
// keyed hash of the sender or conversation id is the subject's (Hash, as serve stores them), the
// feedback on those decisions and the labels given to them, a chunk per transaction as retention
// deletes. ErrInvalid when the subject names neither. A decision still on its way (queued, or
// spooled while the database was down) is written after; a label given by text alone (no
// message id) cannot be told to be the subject's and stays.
//
// No index serves it: the decision log is written for every message and read by time, and a
// deletion request is rare; it reads the whole table once per chunk.
func (db *DB) Forget(ctx context.Context, s Subject) (Forgotten, error) {
	var n Forgotten
	if db.closed.Load() {
		return n, ErrClosed
	}
	cond, args, err := db.subjectCond(s)
	if err != nil {
		return n, err
	}
	chunk := db.q("SELECT msg_id FROM decisions WHERE " + cond + " LIMIT " + strconv.Itoa(deleteChunk))
	for {
		nd, err := db.forgetOnce(ctx, chunk, args, &n)
		if err != nil || nd < deleteChunk {
			return n, db.wrap("cannot forget", err)
		}
	}
}

// subjectCond is the SQL condition (and its arguments) that selects a subject's decisions: the
// keyed hash of its sender or of its conversation id. An id with white space around it matches
// both as given and trimmed: serve hashes an id as the gateway sent it (' 13812345678', and the
// ' ' older builds took), while an operator may paste it with a space or without. ErrInvalid
// when it names neither.
func (db *DB) subjectCond(s Subject) (string, []any, error) {
	var conds []string
	var args []any
	for _, c := range []struct{ col, id string }{{"sender", s.SenderID}, {"chat", s.ChatID}} {
		hs := db.idHashes(c.id)
		if len(hs) == 0 {
			continue
		}
		conds = append(conds, c.col+" IN (?"+strings.Repeat(", ?", len(hs)-1)+")")
		args = append(args, hs...)
	}
	switch len(conds) {
	case 0:
		return "", nil, fmt.Errorf("%w: no sender or conversation id", ErrInvalid)
	case 1:
		return conds[0], args, nil
	}
	return "(" + strings.Join(conds, " OR ") + ")", args, nil
}

// idHashes returns the keyed hashes an id may have been stored under: as given, and trimmed of
// white space when that differs; none for an empty id.
func (db *DB) idHashes(id string) []any {
	var hs []any
	if h := db.Hash(id); h != "" {
		hs = append(hs, h)
	}
	if t := strings.TrimSpace(id); t != id {
		if h := db.Hash(t); h != "" {
			hs = append(hs, h)
		}
	}
	return hs
}

// forgetOnce deletes one chunk's labels, feedback and decisions in one transaction, adding the
// counts to n; it returns the decisions deleted.
func (db *DB) forgetOnce(ctx context.Context, chunk string, args []any, n *Forgotten) (int64, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var counts [3]int64
	for i, table := range []string{"labels WHERE label_key", "feedback WHERE msg_id", "decisions WHERE msg_id"} {
		res, err := tx.ExecContext(ctx, "DELETE FROM "+table+" IN ("+chunk+")", args...)
		if err != nil {
			return 0, err
		}
		counts[i], _ = res.RowsAffected()
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	n.Labels += counts[0]
	n.Feedback += counts[1]
	n.Decisions += counts[2]
	return counts[2], nil
}
