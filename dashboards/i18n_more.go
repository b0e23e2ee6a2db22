package dashboards

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// moreWords are the labels of issue 18's pages: the breadcrumb, the skip
// link, chart summaries, the map's classes, flags, data-quality fields and
// quarantine reasons, and the error pages. They are kept apart from words
// so that the two lists merge without reordering. The Khmer terms for
// fertility (ភាពមានកូន), births (កំណើត), mortality (មរណភាព) and deaths
// (ការស្លាប់) follow the National Institute of Statistics' usage (see
// docs/dashboards.md, "Khmer"); like the rest, they await review by a
// Khmer-speaking statistician.
var moreWords = map[string][2]string{
	"skip":                {"Skip to the content", "រំលងទៅខ្លឹមសារ"},
	"breadcrumb":          {"Where you are", "ទីតាំងដែលអ្នកកំពុងមើល"},
	"no_value":            {"no data", "គ្មានទិន្នន័យ"},
	"all_values":          {"all values", "តម្លៃទាំងអស់"},
	"filters":             {"Filters", "តម្រង"},
	"map_classes":         {"Classes", "ថ្នាក់"},
	"compl_map_districts": {"Birth registration completeness in the districts of %s", "ភាពពេញលេញនៃការចុះបញ្ជីកំណើតក្នុងស្រុក/ខណ្ឌនៃ %s"},
	"map_keys":            {"The data table lists every province; the Area menu opens one.", "តារាងទិន្នន័យបង្ហាញខេត្តនីមួយៗ។ ម៉ឺនុយតំបន់បើកខេត្តមួយ។"},
	// chart summaries (role="img" charts are described by them)
	"summary_range": {"Highest: %s. Lowest: %s.", "ខ្ពស់បំផុត៖ %s។ ទាបបំផុត៖ %s។"},
	"summary_line":  {"%s: %s in %s, %s in %s.", "%s៖ %s នៅ %s និង %s នៅ %s។"},
	"summary_one":   {"%s: %s.", "%s៖ %s។"},
	"summary_none":  {"No value to draw.", "គ្មានតម្លៃសម្រាប់គូរទេ។"},
	// flags, as tables and cards show them
	"flagname_lt20":              {"lt20", "តិចជាង២០"},
	"flagname_lt5":               {"lt5", "តិចជាង៥"},
	"flagname_window_open":       {"window_open", "ការចុះបញ្ជីយឺតកំពុងមកដល់"},
	"flagname_provisional":       {"provisional", "បណ្ដោះអាសន្ន"},
	"flagname_suppressed":        {"suppressed", "លាក់"},
	"flagname_withheld":          {"withheld", "មិនផ្សាយ"},
	"flagname_completeness_lt70": {"completeness_lt70", "ពេញលេញក្រោម៧០%"},
	"flagname_completeness_lt90": {"completeness_lt90", "ពេញលេញក្រោម៩០%"},
	"flagname_sex_not_stated":    {"sex_not_stated", "មិនបញ្ជាក់ភេទ"},
	// data-quality fields (dq_missing, dq_quarantine)
	"field_sex":               {"sex", "ភេទ"},
	"field_mother_age":        {"mother's age", "អាយុម្តាយ"},
	"field_birth_weight_g":    {"birth weight", "ទម្ងន់ពេលកើត"},
	"field_gestation_weeks":   {"weeks of gestation", "ចំនួនសប្តាហ៍នៃការមានផ្ទៃពោះ"},
	"field_attendant":         {"birth attendant", "អ្នកជួយសម្រាល"},
	"field_facility_type":     {"place of birth or death", "ទីកន្លែងកើត ឬស្លាប់"},
	"field_residence":         {"residence", "ទីលំនៅ"},
	"field_age":               {"age", "អាយុ"},
	"field_underlying_cause":  {"underlying cause", "មូលហេតុចម្បង"},
	"field_certification":     {"certification", "ការបញ្ជាក់មូលហេតុ"},
	"field_manner":            {"manner of death", "របៀបនៃការស្លាប់"},
	"field_date_of_birth":     {"date of birth", "ថ្ងៃខែឆ្នាំកំណើត"},
	"field_residence_commune": {"residence commune", "ឃុំ/សង្កាត់ទីលំនៅ"},
	"field_all":               {"all", "ទាំងអស់"},
	"field_(row)":             {"whole row", "ជួរទាំងមូល"},
	// quarantine reasons (docs/quarantine.md)
	"reason_missing_required":          {"required value missing", "ខ្វះតម្លៃចាំបាច់"},
	"reason_bad_date":                  {"not a date", "មិនមែនជាកាលបរិច្ឆេទ"},
	"reason_future_date":               {"date in the future", "កាលបរិច្ឆេទនាពេលអនាគត"},
	"reason_registration_before_event": {"registered before the event", "ចុះបញ្ជីមុនព្រឹត្តិការណ៍"},
	"reason_bad_int":                   {"not a whole number", "មិនមែនជាចំនួនគត់"},
	"reason_out_of_range":              {"out of range", "ក្រៅដែនកំណត់"},
	"reason_bad_code":                  {"unknown code", "លេខកូដមិនស្គាល់"},
	"reason_too_long":                  {"too long", "វែងពេក"},
	"reason_unknown_commune":           {"unknown commune", "ឃុំ/សង្កាត់មិនស្គាល់"},
	"reason_bad_encoding":              {"not valid UTF-8", "មិនមែនជា UTF-8 ត្រឹមត្រូវ"},
	"reason_nul_byte":                  {"NUL byte", "មានបៃ NUL"},
	"reason_wrong_field_count":         {"wrong number of fields", "ចំនួនវាលខុស"},
	"reason_malformed_row":             {"malformed row", "ជួរខូចទ្រង់ទ្រាយ"},
	"event_notification":               {"Notifications", "ការជូនដំណឹង"},
	"outcome_ok":                       {"ok", "ជោគជ័យ"},
	"outcome_failed":                   {"failed", "បរាជ័យ"},
	"outcome_skipped":                  {"skipped", "បានរំលង"},
	"manifest_entry":                   {"manifest entry", "ធាតុបញ្ជីឯកសារ"},
	"cause_untranslated":               {"* not yet named in Khmer: shown in English.", "* ឈ្មោះមូលហេតុនេះមិនទាន់មានជាភាសាខ្មែរទេ៖ វាត្រូវបានបង្ហាញជាភាសាអង់គ្លេស។"},
	"language":                         {"Language", "ភាសា"},
	"error_title":                      {"This page could not be shown", "មិនអាចបង្ហាញទំព័រនេះបានទេ"},
	"error_status":                     {"Error %d", "កំហុស %d"},
	"error_back":                       {"Back to %s", "ត្រឡប់ទៅ %s"},
	"err_not_found":                    {"There is no such page.", "គ្មានទំព័រនេះទេ។"},
	"err_bad_year":                     {"There is no year %s in the data: choose a year from %d to %d.", "គ្មានឆ្នាំ %s ក្នុងទិន្នន័យទេ៖ សូមជ្រើសរើសឆ្នាំពី %d ដល់ %d។"},
	"err_bad_area":                     {"%s is not a province or district code.", "%s មិនមែនជាលេខកូដខេត្ត ឬស្រុកទេ។"},
	"err_outside":                      {"Area %s lies outside the area of this account.", "តំបន់ %s នៅក្រៅតំបន់របស់គណនីនេះ។"},
	"err_bad_sex":                      {"Sex %s is not one of T (both sexes), M (male) or F (female).", "ភេទ %s មិនមែនជា T (ភេទទាំងពីរ), M (ប្រុស) ឬ F (ស្រី) ទេ។"},
	"err_bad_event":                    {"Event %s: the review queue has births (birth) and deaths (death).", "ព្រឹត្តិការណ៍ %s៖ ជួរពិនិត្យមានកំណើត (birth) និងការស្លាប់ (death)។"},
	"err_not_loaded":                   {"The warehouse is not loaded yet: try again in a minute.", "ឃ្លាំងទិន្នន័យមិនទាន់ផ្ទុករួចទេ៖ សូមព្យាយាមម្តងទៀតក្នុងរយៈពេលមួយនាទី។"},
	"err_internal":                     {"The page could not be made; the error is logged for the administrators.", "មិនអាចបង្កើតទំព័រនេះបានទេ។ កំហុសត្រូវបានកត់ត្រាសម្រាប់អ្នកគ្រប់គ្រង។"},
	"err_login_form":                   {"The sign-in form expired or came from another site: open the sign-in page again.", "ទម្រង់ចូលប្រើផុតកំណត់ ឬមកពីគេហទំព័រផ្សេង៖ សូមបើកទំព័រចូលប្រើម្តងទៀត។"},
	"err_login_busy":                   {"The server is busy with other sign-ins: try again in a few seconds.", "ម៉ាស៊ីនមេកំពុងរវល់ជាមួយការចូលប្រើផ្សេងទៀត៖ សូមព្យាយាមម្តងទៀតក្នុងរយៈពេលពីរបីវិនាទី។"},
	"err_login_size":                   {"A user name or password is too long.", "ឈ្មោះអ្នកប្រើ ឬពាក្យសម្ងាត់វែងពេក។"},
	"err_login_malformed":              {"The sign-in form is too large or malformed.", "ទម្រង់ចូលប្រើធំពេក ឬខូចទ្រង់ទ្រាយ។"},
	"err_too_many":                     {"Too many sign-in attempts: wait a little and try again.", "ការព្យាយាមចូលប្រើច្រើនពេក៖ សូមរង់ចាំបន្តិច ហើយព្យាយាមម្តងទៀត។"},
	"err_logout":                       {"The sign-out form is not valid: open a page and sign out again.", "ទម្រង់ចាកចេញមិនត្រឹមត្រូវ៖ សូមបើកទំព័រមួយ ហើយចាកចេញម្តងទៀត។"},
	"err_sign_in":                      {"Sign in first.", "សូមចូលប្រើជាមុនសិន។"},
	"login_lang":                       {"Sign in in another language", "ចូលប្រើជាភាសាផ្សេង"},
}

func init() {
	for k, w := range moreWords {
		if _, dup := words[k]; dup {
			panic("dashboards: label " + k + " is defined twice")
		}
		words[k] = w
	}
}

// trOr is the label of key in a language, or fallback when there is none
// (a flag, field or reason code that has no label yet shows as its code).
func trOr(lang, key, fallback string) string {
	if _, ok := words[key]; !ok {
		return fallback
	}
	return tr(lang, key)
}

// flagsText is a cell's flags as the tables and cards show them: their
// codes in English (the legend explains them), their Khmer names in Khmer.
func flagsText(lang string, flags []string) string {
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = trOr(lang, "flagname_"+f, f)
	}
	return strings.Join(out, " ")
}

// fieldLabel names a source field of the data-quality pages.
func fieldLabel(lang, field string) string { return trOr(lang, "field_"+field, field) }

// reasonLabel names a quarantine reason code.
func reasonLabel(lang, reason string) string { return trOr(lang, "reason_"+reason, reason) }

// eventName names an event type (birth, death, fetal_death, marriage,
// notification).
func eventName(lang, event string) string {
	if _, ok := words[event]; ok {
		return tr(lang, event)
	}
	return trOr(lang, "event_"+event, event)
}

// ReadCauseNames reads a site's Khmer names of the causes of death: a CSV
// file with a header row naming the columns list1_item (the WHO Mortality
// Tabulation List 1 code the marts carry, e.g. 1-026) and name_km. A cause
// the file leaves out is shown in English, marked (see causesPage).
func ReadCauseNames(r io.Reader) (map[string]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("cause names: %w", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("cause names: the file is empty; it needs a header row list1_item,name_km")
	}
	item, km := -1, -1
	for i, h := range rows[0] {
		switch strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) {
		case "list1_item":
			item = i
		case "name_km":
			km = i
		}
	}
	if item < 0 || km < 0 {
		return nil, fmt.Errorf("cause names: the header row %q lacks list1_item or name_km", strings.Join(rows[0], ","))
	}
	out := map[string]string{}
	for n, r := range rows[1:] {
		if len(r) <= max(item, km) {
			return nil, fmt.Errorf("cause names: row %d has %d fields, want at least %d", n+2, len(r), max(item, km)+1)
		}
		code, name := strings.TrimSpace(r[item]), strings.TrimSpace(r[km])
		if code == "" {
			return nil, fmt.Errorf("cause names: row %d has no list1_item", n+2)
		}
		if _, dup := out[code]; dup {
			return nil, fmt.Errorf("cause names: list1_item %s is named twice (row %d)", code, n+2)
		}
		if name != "" {
			out[code] = name
		}
	}
	return out, nil
}

// causeName is a cause of death's name in the page's language: in Khmer,
// the site's name for it, or the English title marked with an asterisk
// (untranslated reports whether that happened, for the frame's note).
func (v view) causeName(item, title string) (name string, untranslated bool) {
	if v.lang != "km" {
		return title, false
	}
	if km := v.causesKm[item]; km != "" {
		return km, false
	}
	return title + " *", true
}
