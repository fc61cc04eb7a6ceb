package auth

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, body string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

const yamlKeys = `keys:
  - accessKeyId: AKIDADMIN000000001
    secretAccessKey: admin-secret-0123456789
  - accessKeyId: AKIDSENSOR00000001
    secretAccessKey: sensor-secret-0123456789
    name: sensor-01
    permissions:
      - actions: ["kinesis:PutRecord*"]
        resources: ["sensors-*"]
`

func TestLoadFile(t *testing.T) {
	cases := []struct {
		name, file, body string
		mode             os.FileMode
		want             string // "" for success, else part of the error
	}{
		{"yaml", "k.yaml", yamlKeys, 0o600, ""},
		{"json", "k.json", `{"keys":[{"accessKeyId":"AKIDADMIN000000001","secretAccessKey":"admin-secret-0123456789","permissions":[{"actions":["firehose:PutRecord*"]}]}]}`, 0o640, ""},
		{"world readable", "k.yaml", yamlKeys, 0o644, "chmod 600"},
		{"misspelt field", "k.yaml", strings.Replace(yamlKeys, "permissions:", "permisions:", 1), 0o600, "permisions"},
		{"misspelt action", "k.yaml", strings.Replace(yamlKeys, "PutRecord*", "PutRecrod*", 1), 0o600, "matches no action"},
		{"other service", "k.yaml", strings.Replace(yamlKeys, "kinesis:PutRecord*", "s3:GetObject", 1), 0o600, "kinesis, firehose or sluice"},
		{"empty permissions", "k.yaml", "keys:\n  - {accessKeyId: AKIDADMIN000000001, secretAccessKey: admin-secret-0123456789, permissions: []}\n", 0o600, "permissions is empty"},
		{"empty actions", "k.yaml", "keys:\n  - {accessKeyId: AKIDADMIN000000001, secretAccessKey: admin-secret-0123456789, permissions: [{resources: ['*']}]}\n", 0o600, "actions is empty"},
		{"short secret", "k.yaml", "keys:\n  - {accessKeyId: AKIDADMIN000000001, secretAccessKey: short}\n", 0o600, "at least 16"},
		{"bad id", "k.yaml", "keys:\n  - {accessKeyId: 'AKID/1', secretAccessKey: admin-secret-0123456789}\n", 0o600, "accessKeyId"},
		{"twice", "k.yaml", "keys:\n  - {accessKeyId: AKIDADMIN000000001, secretAccessKey: admin-secret-0123456789}\n  - {accessKeyId: AKIDADMIN000000001, secretAccessKey: other-secret-0123456789}\n", 0o600, "appears twice"},
		{"no keys", "k.yaml", "keys: []\n", 0o600, "holds no keys"},
		{"bad resource ARN", "k.yaml", strings.Replace(yamlKeys, `"sensors-*"`, `"arn:aws:kinesis"`, 1), 0o600, "not an ARN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ks, err := LoadFile(writeFile(t, c.file, c.body, c.mode))
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if ks.Len() == 0 {
					t.Fatal("no keys")
				}
				return
			}
			if !errors.Is(err, ErrInvalidCredentials) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want ErrInvalidCredentials saying %q", err, c.want)
			}
			if strings.Contains(err.Error(), "secret-0123456789") {
				t.Fatalf("the error shows a secret: %v", err)
			}
		})
	}
}

func TestLoadWithEnvironment(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if ks, err := Load("", getenv); err != nil || ks != nil {
		t.Fatalf("nothing configured: %v %v", ks, err)
	}
	env[EnvAccessKeyID] = "AKIDENV00000000001"
	if _, err := Load("", getenv); err == nil || !strings.Contains(err.Error(), "set both") {
		t.Fatalf("half set: %v", err)
	}
	env[EnvSecretAccessKey] = "env-secret-0123456789"
	ks, err := Load(writeFile(t, "k.yaml", yamlKeys, 0o600), getenv)
	if err != nil || ks.Len() != 3 {
		t.Fatalf("file and environment: %d keys, %v", ks.Len(), err)
	}
	if k, _ := ks.lookup("AKIDENV00000000001"); k.Permissions != nil || strings.Contains(k.String(), "env-secret") {
		t.Fatalf("environment key: %v", k)
	}
}

func TestGlob(t *testing.T) {
	cases := []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"*", "abc", true}, {"a*", "abc", true}, {"a*c", "abc", true}, {"a*c", "abd", false},
		{"sensors-*", "sensors-1", true}, {"sensors-*", "sensors", false}, {"?", "a", true}, {"?", "", false},
		{"*module*", "pushmodule", true}, {"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false}, {"abc", "abcd", false},
	}
	for _, c := range cases {
		if got := glob(c.p, c.s); got != c.want {
			t.Errorf("glob(%q, %q) = %v", c.p, c.s, got)
		}
	}
}

func TestGrantAllows(t *testing.T) {
	a := arns{region: "us-east-1", account: "000000000000"}
	stream := a.resource(kindStream, "sensors-1")
	other := a.resource(kindStream, "payroll")
	cases := []struct {
		name   string
		g      Grant
		action string
		res    Resource
		want   bool
	}{
		{"name glob", Grant{Actions: []string{"kinesis:PutRecord*"}, Resources: []string{"sensors-*"}}, "kinesis:PutRecords", stream, true},
		{"other name", Grant{Actions: []string{"kinesis:PutRecord*"}, Resources: []string{"sensors-*"}}, "kinesis:PutRecord", other, false},
		{"other action", Grant{Actions: []string{"kinesis:PutRecord*"}, Resources: []string{"sensors-*"}}, "kinesis:GetRecords", stream, false},
		{"action case", Grant{Actions: []string{"Kinesis:putrecord"}}, "kinesis:PutRecord", stream, true},
		{"ARN glob", Grant{Actions: []string{"kinesis:*"}, Resources: []string{"arn:aws:kinesis:*:*:stream/sensors-*"}}, "kinesis:DeleteStream", stream, true},
		{"ARN of another kind", Grant{Actions: []string{"*"}, Resources: []string{"arn:aws:firehose:*:*:deliverystream/sensors-*"}}, "kinesis:DeleteStream", stream, false},
		{"list needs *", Grant{Actions: []string{"kinesis:List*"}, Resources: []string{"sensors-*"}}, "kinesis:ListStreams", anyResource, false},
		{"list on *", Grant{Actions: []string{"kinesis:List*"}, Resources: []string{"*"}}, "kinesis:ListStreams", anyResource, true},
		{"no resources is *", Grant{Actions: []string{"kinesis:List*"}}, "kinesis:ListStreams", anyResource, true},
	}
	for _, c := range cases {
		if got := c.g.allows(c.action, c.res); got != c.want {
			t.Errorf("%s: allows = %v", c.name, got)
		}
	}
}
