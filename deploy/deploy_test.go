package deploy_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// objects are the decoded Kubernetes objects of one rendering.
type objects struct {
	list []any
}

func (o objects) kinds() []string {
	var k []string
	for _, x := range o.list {
		k = append(k, fmt.Sprintf("%T", x))
	}
	slices.Sort(k)
	return slices.Compact(k)
}

func all[T any](o objects) []*T {
	var out []*T
	for _, x := range o.list {
		if v, ok := x.(*T); ok {
			out = append(out, v)
		}
	}
	return out
}

func one[T any](t *testing.T, o objects) *T {
	t.Helper()
	l := all[T](o)
	if len(l) != 1 {
		t.Fatalf("want one %T, have %d", new(T), len(l))
	}
	return l[0]
}

// decode strictly decodes each document into its Kubernetes API type: an
// unknown field, a wrong type or an unknown kind fails the test.
func decode(t *testing.T, where string, docs []string) objects {
	t.Helper()
	var o objects
	for i, d := range docs {
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := yaml.Unmarshal([]byte(d), &head); err != nil {
			t.Fatalf("%s doc %d: %v\n%s", where, i, err, d)
		}
		var obj any
		switch head.APIVersion + " " + head.Kind {
		case "v1 Namespace":
			obj = &corev1.Namespace{}
		case "v1 ConfigMap":
			obj = &corev1.ConfigMap{}
		case "v1 Secret":
			obj = &corev1.Secret{}
		case "v1 Service":
			obj = &corev1.Service{}
		case "v1 ServiceAccount":
			obj = &corev1.ServiceAccount{}
		case "apps/v1 Deployment":
			obj = &appsv1.Deployment{}
		case "apps/v1 StatefulSet":
			obj = &appsv1.StatefulSet{}
		case "networking.k8s.io/v1 Ingress":
			obj = &networkingv1.Ingress{}
		case "networking.k8s.io/v1 NetworkPolicy":
			obj = &networkingv1.NetworkPolicy{}
		case "autoscaling/v2 HorizontalPodAutoscaler":
			obj = &autoscalingv2.HorizontalPodAutoscaler{}
		case "policy/v1 PodDisruptionBudget":
			obj = &policyv1.PodDisruptionBudget{}
		default:
			t.Fatalf("%s doc %d: unexpected %s %s", where, i, head.APIVersion, head.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(d), obj); err != nil {
			t.Fatalf("%s doc %d (%s): %v\n%s", where, i, head.Kind, err, d)
		}
		o.list = append(o.list, obj)
	}
	return o
}

// kustomize assembles deploy/k8s the way `kubectl apply -k` does for this
// kustomization (a resources list and a namespace).
func kustomize(t *testing.T) (objects, string) {
	t.Helper()
	var k struct {
		APIVersion string   `json:"apiVersion"`
		Kind       string   `json:"kind"`
		Namespace  string   `json:"namespace"`
		Resources  []string `json:"resources"`
	}
	readYAML(t, filepath.Join("k8s", "kustomization.yaml"), &k, true)
	listed := map[string]bool{}
	var docs []string
	for _, r := range k.Resources {
		listed[r] = true
		data, err := os.ReadFile(filepath.Join("k8s", r))
		if err != nil {
			t.Fatalf("kustomization lists %s: %v", r, err)
		}
		docs = append(docs, splitDocs(string(data))...)
	}
	files, _ := filepath.Glob(filepath.Join("k8s", "*.yaml"))
	for _, f := range files {
		if b := filepath.Base(f); b != "kustomization.yaml" && !listed[b] {
			t.Errorf("k8s/%s is not in the kustomization's resources", b)
		}
	}
	return decode(t, "k8s", docs), k.Namespace
}

// envVars are the names in internal/app's EnvVars table: the only
// variables whoowns reads.
func envVars(t *testing.T) map[string]bool {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "internal", "app", "config.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s*\{"([A-Z][A-Z0-9_]+)", "`).FindAllStringSubmatch(string(src), -1) {
		out[m[1]] = true
	}
	if !out["REDIS_URL"] || !out["SLACK_BOT_TOKEN"] {
		t.Fatalf("could not read EnvVars from config.go: %v", out)
	}
	return out
}

// checkWhoowns checks what must hold however whoowns is deployed.
func checkWhoowns(t *testing.T, where string, o objects, secretName string) {
	t.Helper()
	known := envVars(t)
	deps := all[appsv1.Deployment](o)
	if len(deps) != 1 {
		t.Fatalf("%s: %d Deployments", where, len(deps))
	}
	dep := deps[0]
	pod := dep.Spec.Template.Spec
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("%s: the pod mounts a service account token", where)
	}
	for _, sa := range all[corev1.ServiceAccount](o) {
		if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
			t.Errorf("%s: ServiceAccount %s automounts its token", where, sa.Name)
		}
		if pod.ServiceAccountName != sa.Name {
			t.Errorf("%s: pod uses service account %q, not %s", where, pod.ServiceAccountName, sa.Name)
		}
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%s: %d containers", where, len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil || c.Lifecycle.PreStop.Sleep.Seconds < 3 {
		t.Errorf("%s: no preStop delay for the load balancer to drain", where)
	}
	cms := all[corev1.ConfigMap](o)
	if len(cms) != 1 {
		t.Fatalf("%s: %d ConfigMaps", where, len(cms))
	}
	cm := cms[0]
	shutdown, err := time.ParseDuration(cm.Data["WHOOWNS_SHUTDOWN_TIMEOUT"])
	if err != nil {
		t.Errorf("%s: WHOOWNS_SHUTDOWN_TIMEOUT: %v", where, err)
	}
	if pod.TerminationGracePeriodSeconds == nil || c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil ||
		time.Duration(*pod.TerminationGracePeriodSeconds)*time.Second <= time.Duration(c.Lifecycle.PreStop.Sleep.Seconds)*time.Second+shutdown {
		t.Errorf("%s: terminationGracePeriodSeconds must exceed the preStop delay plus WHOOWNS_SHUTDOWN_TIMEOUT (%s)", where, shutdown)
	}
	// GOMEMLIMIT under the memory limit.
	limit := c.Resources.Limits[corev1.ResourceMemory]
	var gomem string
	for _, e := range c.Env {
		if e.Name == "GOMEMLIMIT" {
			gomem = e.Value
		}
	}
	if g := goMemLimit(t, gomem); limit.IsZero() || g <= 0 || g >= limit.Value() {
		t.Errorf("%s: GOMEMLIMIT %q must be set and below the memory limit %s", where, gomem, limit.String())
	}
	for _, e := range c.Env {
		if e.Name != "GOMEMLIMIT" && e.Name != "GOMAXPROCS" && !known[e.Name] {
			t.Errorf("%s: sets %s, which whoowns does not read", where, e.Name)
		}
	}
	for k := range cm.Data {
		if !known[k] {
			t.Errorf("%s: the ConfigMap sets %s, which whoowns does not read", where, k)
		}
	}
	for _, s := range all[corev1.Secret](o) {
		for k := range s.StringData {
			if !known[k] {
				t.Errorf("%s: the Secret sets %s, which whoowns does not read", where, k)
			}
		}
	}
	var cmRef, secRef string
	for _, ef := range c.EnvFrom {
		if ef.ConfigMapRef != nil {
			cmRef = ef.ConfigMapRef.Name
		}
		if ef.SecretRef != nil {
			secRef = ef.SecretRef.Name
		}
	}
	if cmRef != cm.Name || secRef != secretName {
		t.Errorf("%s: envFrom %q, %q; want the ConfigMap %s and the Secret %s", where, cmRef, secRef, cm.Name, secretName)
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" ||
		c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("%s: probes must use /readyz and /healthz", where)
	}
	// Pod Security "restricted" for every pod.
	checkRestricted(t, where+" Deployment", dep.Spec.Template.Spec)
	for _, ss := range all[appsv1.StatefulSet](o) {
		checkRestricted(t, where+" StatefulSet "+ss.Name, ss.Spec.Template.Spec)
		if len(ss.Spec.VolumeClaimTemplates) == 0 {
			t.Errorf("%s: StatefulSet %s has no persistent volume", where, ss.Name)
		}
	}
	// The Service selects the Deployment's pods.
	podLabels := dep.Spec.Template.Labels
	var svc *corev1.Service
	for _, s := range all[corev1.Service](o) {
		if matches(s.Spec.Selector, podLabels) {
			svc = s
		}
	}
	if svc == nil {
		t.Fatalf("%s: no Service selects the whoowns pods", where)
	}
	// The Ingress serves the bot's paths over TLS, and not /metrics.
	ings := all[networkingv1.Ingress](o)
	if len(ings) != 1 {
		t.Fatalf("%s: %d Ingresses", where, len(ings))
	}
	ing := ings[0]
	if len(ing.Spec.TLS) == 0 || ing.Spec.TLS[0].SecretName == "" || len(ing.Spec.TLS[0].Hosts) == 0 || ing.Spec.TLS[0].Hosts[0] != ing.Spec.Rules[0].Host {
		t.Errorf("%s: the Ingress has no TLS for its host", where)
	}
	var paths []string
	for _, p := range ing.Spec.Rules[0].HTTP.Paths {
		paths = append(paths, p.Path)
		if p.Backend.Service == nil || p.Backend.Service.Name != svc.Name {
			t.Errorf("%s: Ingress path %s goes to %v, not the Service %s", where, p.Path, p.Backend.Service, svc.Name)
		}
	}
	for _, want := range []string{"/slack/", "/api/messages", "/privacy", "/terms"} {
		if !slices.Contains(paths, want) {
			t.Errorf("%s: the Ingress does not route %s", where, want)
		}
	}
	if slices.Contains(paths, "/metrics") || slices.Contains(paths, "/") {
		t.Errorf("%s: the Ingress exposes /metrics", where)
	}
	// An HPA scales the Deployment; the PDB keeps some pods up.
	hpa := one[autoscalingv2.HorizontalPodAutoscaler](t, o)
	if hpa.Spec.ScaleTargetRef.Kind != "Deployment" || hpa.Spec.ScaleTargetRef.Name != dep.Name || hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 2 {
		t.Errorf("%s: HPA %+v", where, hpa.Spec)
	}
	if dep.Spec.Replicas != nil {
		t.Errorf("%s: the Deployment sets replicas although the HPA owns them", where)
	}
	pdb := one[policyv1.PodDisruptionBudget](t, o)
	if !matches(pdb.Spec.Selector.MatchLabels, podLabels) || pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() >= int(*hpa.Spec.MinReplicas) {
		t.Errorf("%s: the PDB must select the pods and allow one to go", where)
	}
	// A NetworkPolicy limits whoowns's traffic.
	var np bool
	for _, p := range all[networkingv1.NetworkPolicy](o) {
		if len(p.Spec.PodSelector.MatchLabels) == 0 || matches(p.Spec.PodSelector.MatchLabels, podLabels) {
			np = np || slices.Contains(p.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
		}
	}
	if !np {
		t.Errorf("%s: no NetworkPolicy covers the whoowns pods", where)
	}
}

func checkRestricted(t *testing.T, where string, pod corev1.PodSpec) {
	t.Helper()
	sc := pod.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: the pod must run as non-root with the RuntimeDefault seccomp profile", where)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("%s: the pod mounts a service account token", where)
	}
	for _, c := range pod.Containers {
		s := c.SecurityContext
		if s == nil || s.AllowPrivilegeEscalation == nil || *s.AllowPrivilegeEscalation || s.Capabilities == nil || !slices.Contains(s.Capabilities.Drop, "ALL") ||
			s.ReadOnlyRootFilesystem == nil || !*s.ReadOnlyRootFilesystem {
			t.Errorf("%s: container %s must drop ALL capabilities, refuse privilege escalation and have a read-only root", where, c.Name)
		}
		if _, ok := c.Resources.Limits[corev1.ResourceMemory]; !ok {
			t.Errorf("%s: container %s has no memory limit", where, c.Name)
		}
	}
}

func matches(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// goMemLimit reads a GOMEMLIMIT value (bytes with an optional B, KiB, MiB,
// GiB or TiB suffix, as the Go runtime accepts).
func goMemLimit(t *testing.T, s string) int64 {
	t.Helper()
	for i, suf := range []string{"TiB", "GiB", "MiB", "KiB", "B", ""} {
		if num, ok := strings.CutSuffix(s, suf); ok && num != "" {
			n, err := strconv.ParseInt(num, 10, 64)
			if err != nil {
				return -1
			}
			return n << (10 * (4 - i))
		}
	}
	return -1
}

func TestKustomizationRunsAsShipped(t *testing.T) {
	t.Parallel()
	o, ns := kustomize(t)
	if ns != "whoowns" {
		t.Errorf("kustomization namespace %q", ns)
	}
	if len(all[corev1.Secret](o)) != 0 {
		t.Error("the kustomization ships a Secret; tokens come from kubectl create secret or a secret manager")
	}
	n := one[corev1.Namespace](t, o)
	if n.Name != ns || n.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("namespace %s labels %v: want Pod Security restricted enforced", n.Name, n.Labels)
	}
	checkWhoowns(t, "k8s", o, "whoowns-tokens")
	// Redis: a StatefulSet with a volume, and the ConfigMap points at its Service.
	ss := one[appsv1.StatefulSet](t, o)
	cm := one[corev1.ConfigMap](t, o)
	var redisSvc *corev1.Service
	for _, s := range all[corev1.Service](o) {
		if matches(s.Spec.Selector, ss.Spec.Template.Labels) {
			redisSvc = s
		}
	}
	if redisSvc == nil || cm.Data["REDIS_URL"] != "redis://"+redisSvc.Name+":6379/0" || ss.Spec.ServiceName != redisSvc.Name {
		t.Errorf("REDIS_URL %q does not reach the Redis StatefulSet's Service", cm.Data["REDIS_URL"])
	}
	// The README's kubectl create secret line names the Secret the pods read.
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "kubectl -n whoowns create secret generic whoowns-tokens") {
		t.Error("README.md does not show how to create the whoowns-tokens Secret")
	}
}

func renderDocs(t *testing.T, release string, set map[string]any) (objects, error) {
	t.Helper()
	out, err := renderChart(t, release, set)
	if err != nil {
		return objects{}, err
	}
	var docs []string
	for _, f := range sortedKeys(out) {
		docs = append(docs, splitDocs(out[f])...)
	}
	return decode(t, "chart", docs), nil
}

func TestHelmChartRendersEveryRedisMode(t *testing.T) {
	t.Parallel()
	secret := map[string]any{"secrets": map[string]any{"existingSecret": "whoowns-tokens"}}
	cases := []struct {
		name    string
		set     map[string]any
		env     map[string]string
		bundled bool
	}{
		{"bundled", nil, map[string]string{"REDIS_URL": "redis://whoowns-redis:6379/0"}, true},
		{"external", map[string]any{"redis": map[string]any{"mode": "external", "external": map[string]any{"url": "rediss://redis.example.com:6380/0"}}},
			map[string]string{"REDIS_URL": "rediss://redis.example.com:6380/0"}, false},
		{"sentinel", map[string]any{"redis": map[string]any{"mode": "sentinel", "sentinel": map[string]any{"addrs": "s1:26379,s2:26379", "masterName": "mymaster"}}},
			map[string]string{"REDIS_SENTINEL_ADDRS": "s1:26379,s2:26379", "REDIS_MASTER_NAME": "mymaster"}, false},
		{"cluster", map[string]any{"redis": map[string]any{"mode": "cluster", "cluster": map[string]any{"addrs": "c1:6379,c2:6379,c3:6379"}}},
			map[string]string{"REDIS_CLUSTER_ADDRS": "c1:6379,c2:6379,c3:6379"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o, err := renderDocs(t, "whoowns", merge(secret, c.set))
			if err != nil {
				t.Fatal(err)
			}
			checkWhoowns(t, "chart "+c.name, o, "whoowns-tokens")
			cm := one[corev1.ConfigMap](t, o)
			for k, v := range c.env {
				if cm.Data[k] != v {
					t.Errorf("%s = %q, want %q", k, cm.Data[k], v)
				}
			}
			for _, k := range []string{"REDIS_URL", "REDIS_SENTINEL_ADDRS", "REDIS_CLUSTER_ADDRS"} {
				if _, want := c.env[k]; !want && cm.Data[k] != "" {
					t.Errorf("%s is set (%q) in mode %s", k, cm.Data[k], c.name)
				}
			}
			if got := len(all[appsv1.StatefulSet](o)); (got == 1) != c.bundled {
				t.Errorf("%d Redis StatefulSets in mode %s", got, c.name)
			}
			if len(all[corev1.Secret](o)) != 0 {
				t.Error("the chart rendered a Secret although existingSecret is set")
			}
		})
	}
}

func TestHelmChartValues(t *testing.T) {
	t.Parallel()
	// Image, replicas without the HPA, secrets made by the chart, ingress.
	o, err := renderDocs(t, "acme", map[string]any{
		"image":        map[string]any{"repository": "registry.example.com/whoowns", "tag": "1.2.3"},
		"autoscaling":  map[string]any{"enabled": false},
		"replicaCount": 4,
		"secrets":      map[string]any{"create": true, "slackBotToken": "xoxb-1", "slackSigningSecret": "s", "teamsAppId": "8f1c2a3b-1d2e-4f50-9a6b-7c8d9e0f1a2b", "teamsAppPassword": "p"},
		"ingress":      map[string]any{"host": "bot.example.com", "tls": map[string]any{"secretName": "bot-tls"}},
		"config":       map[string]any{"admins": "U1,U2", "teamsAllowedTenants": "72f988bf-86f1-41af-91ab-2d7cd011db47"},
	})
	if err != nil {
		t.Fatal(err)
	}
	dep := one[appsv1.Deployment](t, o)
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas != 4 || len(all[autoscalingv2.HorizontalPodAutoscaler](o)) != 0 {
		t.Errorf("replicaCount without autoscaling: %v", dep.Spec.Replicas)
	}
	if img := dep.Spec.Template.Spec.Containers[0].Image; img != "registry.example.com/whoowns:1.2.3" {
		t.Errorf("image %s", img)
	}
	sec := one[corev1.Secret](t, o)
	if sec.Name != "acme-whoowns-tokens" || sec.StringData["SLACK_BOT_TOKEN"] != "xoxb-1" || sec.StringData["TEAMS_APP_PASSWORD"] != "p" {
		t.Errorf("secret %s %v", sec.Name, sec.StringData)
	}
	if ef := dep.Spec.Template.Spec.Containers[0].EnvFrom; ef[1].SecretRef == nil || ef[1].SecretRef.Name != sec.Name {
		t.Errorf("envFrom %+v", ef)
	}
	ing := one[networkingv1.Ingress](t, o)
	if ing.Spec.Rules[0].Host != "bot.example.com" || ing.Spec.TLS[0].SecretName != "bot-tls" {
		t.Errorf("ingress %+v", ing.Spec)
	}
	cm := one[corev1.ConfigMap](t, o)
	if cm.Data["WHOOWNS_ADMINS"] != "U1,U2" || cm.Data["TEAMS_ALLOWED_TENANTS"] != "72f988bf-86f1-41af-91ab-2d7cd011db47" {
		t.Errorf("config %v", cm.Data)
	}
	// Without any Secret the chart refuses to render, as it does for a Redis
	// mode without its addresses.
	for _, set := range []map[string]any{
		nil,
		{"secrets": map[string]any{"existingSecret": "x"}, "redis": map[string]any{"mode": "sentinel"}},
		{"secrets": map[string]any{"existingSecret": "x"}, "redis": map[string]any{"mode": "memcached"}},
	} {
		if _, err := renderChart(t, "whoowns", set); err == nil {
			t.Errorf("%v rendered", set)
		}
	}
}

// TestChartAndKustomizationMatch: the two ways to deploy ship the same
// kinds of objects and the same settings.
func TestChartAndKustomizationMatch(t *testing.T) {
	t.Parallel()
	k, _ := kustomize(t)
	h, err := renderDocs(t, "whoowns", map[string]any{"secrets": map[string]any{"existingSecret": "whoowns-tokens"}})
	if err != nil {
		t.Fatal(err)
	}
	kk := slices.DeleteFunc(k.kinds(), func(s string) bool { return s == "*v1.Namespace" })
	if hk := h.kinds(); !slices.Equal(kk, hk) {
		t.Errorf("kinds differ:\nk8s   %v\nchart %v", kk, hk)
	}
	kcm, hcm := one[corev1.ConfigMap](t, k), one[corev1.ConfigMap](t, h)
	for key, v := range kcm.Data {
		if key == "REDIS_URL" || key == "WHOOWNS_ADMINS" {
			continue
		}
		if hcm.Data[key] != v {
			t.Errorf("%s: k8s %q, chart %q", key, v, hcm.Data[key])
		}
	}
	kd, hd := one[appsv1.Deployment](t, k), one[appsv1.Deployment](t, h)
	kc, hc := kd.Spec.Template.Spec.Containers[0], hd.Spec.Template.Spec.Containers[0]
	if !kc.Resources.Limits.Memory().Equal(*hc.Resources.Limits.Memory()) || fmt.Sprint(kc.Env) != fmt.Sprint(hc.Env) ||
		*kd.Spec.Template.Spec.TerminationGracePeriodSeconds != *hd.Spec.Template.Spec.TerminationGracePeriodSeconds {
		t.Errorf("the Deployments differ:\nk8s   %v %v\nchart %v %v", kc.Resources, kc.Env, hc.Resources, hc.Env)
	}
}
