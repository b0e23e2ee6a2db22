package dashboards

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// filterError is a filter the warehouse cannot show: its message is a label
// (err_*) with its arguments, so that the error page explains it in the
// page's language; Error gives the English, for logs and the API.
type filterError struct {
	key  string
	args []any
}

func (e *filterError) Error() string { return e.text("en") }

func (e *filterError) text(lang string) string { return fmt.Sprintf(tr(lang, e.key), e.args...) }

// message is an error as an error page says it in lang.
func message(lang string, err error) string {
	var fe *filterError
	if errors.As(err, &fe) {
		return fe.text(lang)
	}
	return err.Error()
}

// errorPage answers a browser with the page frame (the header, its
// languages and pages, a way back) and what went wrong, in the language of
// the request, instead of a bare line of English text. back is where its
// link goes ("" for the overview, or the sign-in form without an account).
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, lang string, status int, msg, back string) {
	u, _ := s.who(r)
	pd := pageData{Lang: lang, Title: tr(lang, "error_title"), Assets: "/assets/", Error: &errorView{Status: status, Message: msg}}
	if u != nil {
		pd.User = u.Name
		for _, q := range pages {
			if q.Analyst && !u.analyst() {
				continue
			}
			pd.Nav = append(pd.Nav, link{Label: tr(lang, q.ID), Href: "/" + lang + "/" + q.ID})
		}
	}
	switch {
	case back != "":
	case u == nil && s.opt.PublicPage != "":
		back = "/" + lang + "/" + s.opt.PublicPage
	case u == nil:
		back = "/login?lang=" + lang
	default:
		back = "/" + lang + "/overview"
	}
	label := tr(lang, "login")
	if !strings.HasPrefix(back, "/login") {
		page := strings.TrimPrefix(back, "/"+lang+"/")
		if i := strings.IndexAny(page, "?/"); i >= 0 {
			page = page[:i]
		}
		label = trOr(lang, page, tr(lang, "overview"))
	}
	pd.Error.Back = link{Label: fmt.Sprintf(tr(lang, "error_back"), label), Href: back}
	for _, l := range Langs {
		href := r.URL.Path
		if strings.HasPrefix(href, "/"+lang+"/") {
			href = "/" + l + strings.TrimPrefix(href, "/"+lang)
		} else {
			q := r.URL.Query()
			q.Set("lang", l)
			href += "?" + q.Encode()
		}
		pd.LangLinks = append(pd.LangLinks, link{Label: map[string]string{"en": "English", "km": "ខ្មែរ"}[l], Href: href, Active: l == lang})
	}
	s.render(w, r, status, "page", pd)
}

// notFound is the error page of an address that is no page.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	lang := s.lang(r)
	for _, l := range Langs {
		if strings.HasPrefix(r.URL.Path, "/"+l+"/") {
			lang = l
		}
	}
	s.errorPage(w, r, lang, http.StatusNotFound, tr(lang, "err_not_found"), "")
}
