package dashboards

import (
	"net/http/httptest"
	"testing"
)

// benchPages are the pages `make bench` asks for (cmd/vitalstats's
// bench_dashboards.go): every page in both languages for the nation, four
// provinces and two districts, with and without a year and sex.
var benchPages = []string{"overview", "completeness", "fertility", "mortality", "causes", "quality", "runs"}

func benchURLs(page string) []string {
	var urls []string
	for _, lang := range Langs {
		for _, area := range []string{"KH", "01", "07", "12", "17", "0702", "1201"} {
			for _, q := range []string{"", "&year=2015&sex=F"} {
				urls = append(urls, "/"+lang+"/"+page+"?area="+area+q)
			}
		}
	}
	return urls
}

// BenchmarkPage renders pages without the cache, as `serve -no-cache` does
// (every request rendered and gzipped); an op is one page, the URLs of
// `make bench` taken in turn:
//
//	go test ./dashboards -run '^$' -bench Page -benchmem -cpuprofile cpu.prof
func BenchmarkPage(b *testing.B) {
	s := fixServer(b, "")
	s.cache.max = -1
	var id string
	for i := range s.opt.Users {
		if s.opt.Users[i].Name == "admin" {
			id, _ = s.sessions.create(&s.opt.Users[i])
		}
	}
	run := func(b *testing.B, urls []string) {
		i := 0
		for b.Loop() {
			r := httptest.NewRequest("GET", urls[i%len(urls)], nil)
			i++
			r.Header.Set("Cookie", sessionCookie+"="+id)
			r.Header.Set("Accept-Encoding", "gzip")
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Fatal(r.URL, w.Code)
			}
		}
	}
	var all []string
	for _, p := range benchPages {
		urls := benchURLs(p)
		all = append(all, urls...)
		b.Run(p, func(b *testing.B) { run(b, urls) })
	}
	b.Run("all", func(b *testing.B) { run(b, all) })
}
