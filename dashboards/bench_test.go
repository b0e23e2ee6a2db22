package dashboards

import (
	"net/http/httptest"
	"testing"
)

// BenchmarkPage renders every page without the cache, as a first visit
// does: go test ./dashboards -bench Page -cpuprofile cpu.prof.
func BenchmarkPage(b *testing.B) {
	s := fixServer(b, "")
	s.cache.max = -1
	var id string
	for i := range s.opt.Users {
		if s.opt.Users[i].Name == "admin" {
			id, _ = s.sessions.create(&s.opt.Users[i])
		}
	}
	for _, p := range pages {
		b.Run(p.ID, func(b *testing.B) {
			for b.Loop() {
				r := httptest.NewRequest("GET", "/km/"+p.ID+"?area=07", nil)
				r.Header.Set("Cookie", sessionCookie+"="+id)
				r.Header.Set("Accept-Encoding", "gzip")
				w := httptest.NewRecorder()
				s.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
