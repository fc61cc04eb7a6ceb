package auth

import (
	"fmt"
	"strings"
)

// Grant allows actions on resources, as a statement of an IAM policy
// with Effect Allow does.
//
// An action is "service:Operation" (kinesis:PutRecord, firehose:PutRecordBatch,
// sluice:PushModule); "*" and "?" match any run of characters and any one
// character, without regard to case, as in IAM: "kinesis:PutRecord*",
// "kinesis:Describe*", "sluice:*Module*", "*". A resource is a name
// ("sensors-*": streams, delivery streams and modules of that name) or a
// full ARN ("arn:aws:kinesis:*:*:stream/sensors-*"), matched with the
// same wildcards, with regard to case. The resources of an action that
// names no one resource (ListStreams, ListModules, /metrics) are "*", so
// only a grant on "*" allows them. Resources left out mean "*".
type Grant struct {
	Actions   []string `json:"actions"`
	Resources []string `json:"resources,omitempty"`
}

func (g Grant) check() error {
	if len(g.Actions) == 0 {
		return fmt.Errorf("actions is empty")
	}
	for _, a := range g.Actions {
		if a == "*" {
			continue
		}
		svc, op, ok := strings.Cut(a, ":")
		if !ok || op == "" {
			return fmt.Errorf("action %q is not service:Operation (kinesis:PutRecord, firehose:*, sluice:*Module*)", a)
		}
		switch strings.ToLower(svc) {
		case ServiceKinesis, ServiceFirehose, ServiceSluice:
		default:
			return fmt.Errorf("action %q: the service is kinesis, firehose or sluice, not %q", a, svc)
		}
		if !matchesAnyAction(a) {
			return fmt.Errorf("action %q matches no action Sluice has (see the package doc's list)", a)
		}
	}
	for _, r := range g.Resources {
		if r == "" {
			return fmt.Errorf("a resource is empty")
		}
		if strings.HasPrefix(r, "arn:") && len(strings.SplitN(r, ":", 6)) != 6 {
			return fmt.Errorf("resource %q is not an ARN (arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE)", r)
		}
	}
	return nil
}

// Resource is what an action is done on: its ARN and its name, or "*"
// for both when the action names no one resource.
type Resource struct {
	ARN  string
	Name string
}

// anyResource is the resource of list operations.
var anyResource = Resource{ARN: "*", Name: "*"}

// allows reports whether g allows action on res.
func (g Grant) allows(action string, res Resource) bool {
	matched := false
	for _, a := range g.Actions {
		if glob(strings.ToLower(a), strings.ToLower(action)) {
			matched = true
			break
		}
	}
	if !matched {
		return false
	}
	if len(g.Resources) == 0 {
		return true
	}
	for _, r := range g.Resources {
		if r == "*" {
			return true
		}
		if res.ARN == "*" {
			continue // only "*" allows an action on every resource
		}
		if strings.HasPrefix(r, "arn:") {
			if glob(r, res.ARN) {
				return true
			}
		} else if glob(r, res.Name) {
			return true
		}
	}
	return false
}

// Allowed reports whether the key may do action on res: a key without
// permissions may do everything; otherwise one of its grants must allow
// it.
func (k *Key) Allowed(action string, res Resource) bool {
	if k.Permissions == nil {
		return true
	}
	for _, g := range k.Permissions {
		if g.allows(action, res) {
			return true
		}
	}
	return false
}

// anyResourceAllowed reports whether the key may do action whatever the
// resource, so the guard need not read which resource a request names
// (decoding a large PutRecords body only to find its StreamName).
func (k *Key) anyResourceAllowed(action string) bool {
	if k.Permissions == nil {
		return true
	}
	for _, g := range k.Permissions {
		if !g.allows(action, anyResource) {
			continue
		}
		return true
	}
	return false
}

// glob matches s against pattern, where '*' is any run of characters
// (also none) and '?' is any one character (a byte: names and ARNs are
// ASCII).
func glob(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
