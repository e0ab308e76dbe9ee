package redisstore

import (
	"strings"
	"testing"
)

func TestConfigErrorsHideThePassword(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"redis://:s3cr3tpw@host:notaport/0", "redis://user:s3cr3tpw@ho st:6379/0", "rediss://:s3cr3tpw@host:6379/x"} {
		_, err := ConfigFromEnv(func(k string) string {
			if k == EnvURL {
				return u
			}
			return ""
		})
		if err == nil {
			t.Fatalf("%s accepted", u)
		}
		if strings.Contains(err.Error(), "s3cr3tpw") || !strings.Contains(err.Error(), EnvURL) {
			t.Errorf("error leaks the password or misses the variable: %v", err)
		}
	}
}
