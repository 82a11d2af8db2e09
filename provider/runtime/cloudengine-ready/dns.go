package main

import (
	"encoding/binary"
	"errors"
	"net"
	"strings"
)

// The little of DNS this server speaks: one question per query, A records in
// answers, no compression on input (queries never use it) and a pointer to
// the question's name in each answer.

const (
	typeA     = 1
	classIN   = 1
	rcodeOK   = 0
	rcodeFail = 2 // SERVFAIL
	rcodeName = 3 // NXDOMAIN
	rcodeRefd = 5 // REFUSED
)

type question struct {
	name  string // lowercase, no trailing dot
	qtype uint16
	// raw is the question section as received, echoed in the answer.
	raw []byte
}

var errMalformed = errors.New("malformed DNS query")

// parseQuery reads the header and the single question of a query.
func parseQuery(msg []byte) (id uint16, q question, err error) {
	if len(msg) < 12 {
		return 0, q, errMalformed
	}
	id = binary.BigEndian.Uint16(msg)
	flags := binary.BigEndian.Uint16(msg[2:])
	if flags&0x8000 != 0 || binary.BigEndian.Uint16(msg[4:]) != 1 {
		return id, q, errMalformed // a response, or not exactly one question
	}
	var labels []string
	at := 12
	for {
		if at >= len(msg) {
			return id, q, errMalformed
		}
		n := int(msg[at])
		at++
		if n == 0 {
			break
		}
		if n > 63 || at+n > len(msg) {
			return id, q, errMalformed
		}
		labels = append(labels, strings.ToLower(string(msg[at:at+n])))
		at += n
	}
	if at+4 > len(msg) {
		return id, q, errMalformed
	}
	q.qtype = binary.BigEndian.Uint16(msg[at:])
	if binary.BigEndian.Uint16(msg[at+2:]) != classIN {
		return id, q, errMalformed
	}
	q.name = strings.Join(labels, ".")
	q.raw = msg[12 : at+4]
	return id, q, nil
}

// answer builds the response: rcode, and one A record per address (only for
// an A question) with the given TTL.
func answer(id uint16, q question, rcode int, addrs []net.IP, ttl uint32) []byte {
	if q.qtype != typeA {
		addrs = nil
	}
	out := make([]byte, 12, 12+len(q.raw)+16*len(addrs))
	binary.BigEndian.PutUint16(out, id)
	// QR, AA, RD echoed as set by most resolvers; RA: we answer what we know.
	binary.BigEndian.PutUint16(out[2:], 0x8000|0x0400|0x0100|0x0080|uint16(rcode))
	binary.BigEndian.PutUint16(out[4:], 1)
	binary.BigEndian.PutUint16(out[6:], uint16(len(addrs)))
	out = append(out, q.raw...)
	for _, ip := range addrs {
		v4 := ip.To4()
		rr := make([]byte, 16)
		binary.BigEndian.PutUint16(rr, 0xc00c) // the question's name, at offset 12
		binary.BigEndian.PutUint16(rr[2:], typeA)
		binary.BigEndian.PutUint16(rr[4:], classIN)
		binary.BigEndian.PutUint32(rr[6:], ttl)
		binary.BigEndian.PutUint16(rr[10:], 4)
		copy(rr[12:], v4)
		out = append(out, rr...)
	}
	return out
}
