package dashboards

// survWords are the labels of the mortality surveillance page (issue 20),
// kept apart from words like moreWords. The Khmer follows the terms of the
// other pages: deaths ការស្លាប់, mortality មរណភាព, registered បានចុះបញ្ជី,
// expected រំពឹងទុក (as in the completeness definitions), provisional
// បណ្ដោះអាសន្ន, complete ពេញលេញ; "nowcast" and "P-score" keep their
// English names beside a Khmer gloss, as the methods do. Like the rest, it
// awaits review by a Khmer-speaking statistician.
var survWords = map[string][2]string{
	"surveillance":            {"Mortality surveillance", "ការតាមដានមរណភាព"},
	"surv_latest":             {"Latest complete month and provisional months", "ខែពេញលេញចុងក្រោយ និងខែបណ្ដោះអាសន្ន"},
	"surv_month":              {"Deaths by month of occurrence: registered, nowcast and expected", "ការស្លាប់តាមខែកើតឡើង៖ បានចុះបញ្ជី ការប៉ាន់ស្មាន (nowcast) និងរំពឹងទុក"},
	"surv_week":               {"Deaths by week of occurrence: registered, nowcast and expected", "ការស្លាប់តាមសប្តាហ៍កើតឡើង៖ បានចុះបញ្ជី ការប៉ាន់ស្មាន (nowcast) និងរំពឹងទុក"},
	"surv_map":                {"Deaths above or below expected (P-score) by province, %s, the latest complete month", "ការស្លាប់លើស ឬក្រោមការរំពឹងទុក (P-score) តាមខេត្ត %s ខែពេញលេញចុងក្រោយ"},
	"surv_map_none":           {"Deaths above or below expected (P-score) by province: no complete month yet", "ការស្លាប់លើស ឬក្រោមការរំពឹងទុក (P-score) តាមខេត្ត៖ មិនទាន់មានខែពេញលេញនៅឡើយទេ"},
	"week":                    {"Week", "សប្តាហ៍"},
	"to":                      {"to", "ដល់"},
	"surv_unit_month":         {"month", "ខែ"},
	"surv_unit_week":          {"week", "សប្តាហ៍"},
	"surv_observed":           {"Deaths registered", "ការស្លាប់ដែលបានចុះបញ្ជី"},
	"surv_nowcast":            {"Nowcast (estimated final count)", "ការប៉ាន់ស្មានចំនួនចុងក្រោយ (nowcast)"},
	"surv_expected":           {"Expected deaths", "ការស្លាប់ដែលរំពឹងទុក"},
	"surv_excess":             {"Excess deaths", "ការស្លាប់លើសការរំពឹងទុក"},
	"surv_pscore":             {"P-score", "P-score (ភាគរយលើសការរំពឹងទុក)"},
	"surv_status":             {"Status", "ស្ថានភាព"},
	"surv_status_latest":      {"latest complete", "ពេញលេញចុងក្រោយ"},
	"surv_status_complete":    {"complete", "ពេញលេញ"},
	"surv_status_provisional": {"provisional", "បណ្ដោះអាសន្ន"}, // the note says what it means: a narrow column leaves the P-score in sight
	"surv_prov_rule":          {"Provisional →", "បណ្ដោះអាសន្ន →"},
	"surv_latest_note": {"The latest complete month first, then the months whose registrations are still arriving: for those, read the nowcast (the count once late registrations are in), not the deaths registered so far. Intervals are 95%. P-score: how far deaths are above (+) or below (−) those expected, in %.",
		"ខែពេញលេញចុងក្រោយមុនគេ បន្ទាប់មកខែដែលការចុះបញ្ជីកំពុងមកដល់៖ សម្រាប់ខែទាំងនោះ សូមអានការប៉ាន់ស្មានចំនួនចុងក្រោយ (ចំនួននៅពេលការចុះបញ្ជីយឺតមកដល់គ្រប់) មិនមែនការស្លាប់ដែលបានចុះបញ្ជីរហូតមកដល់ពេលនេះទេ។ ចន្លោះជឿជាក់ ៩៥%។ P-score៖ ការស្លាប់លើស (+) ឬក្រោម (−) ការរំពឹងទុកប៉ុន្មានភាគរយ។"},
	"surv_chart_note": {"Shaded bands: 95% intervals. After the dashed line (shaded): the provisional periods, whose registrations are still arriving; their registered count is incomplete (dashed), and the nowcast (orange, dashed) estimates the final count.",
		"ផ្នែកដិត៖ ចន្លោះជឿជាក់ ៩៥%។ បន្ទាប់ពីបន្ទាត់ដាច់ៗ (ផ្ទៃពណ៌ស្រាល)៖ រយៈពេលបណ្ដោះអាសន្ន ដែលការចុះបញ្ជីកំពុងមកដល់ ចំនួនដែលបានចុះបញ្ជីមិនទាន់ពេញលេញ (បន្ទាត់ដាច់ៗ) ហើយការប៉ាន់ស្មាន (ពណ៌ទឹកក្រូច បន្ទាត់ដាច់ៗ) ប៉ាន់ស្មានចំនួនចុងក្រោយ។"},
	"surv_map_note": {"P-score: 100 × (deaths − expected) / expected, on counts corrected by the nowcast; the same classes every month. Grey: no value.",
		"P-score៖ ១០០ × (ការស្លាប់ − ការរំពឹងទុក) / ការរំពឹងទុក លើចំនួនដែលកែតម្រូវដោយការប៉ាន់ស្មាន ថ្នាក់ដូចគ្នារៀងរាល់ខែ។ ពណ៌ប្រផេះ៖ គ្មានតម្លៃ។"},
	"surv_absent": {"This warehouse has no mortality surveillance table (surveillance): it was built by an earlier version. Rebuild it with this version to see deaths against those expected.",
		"ឃ្លាំងទិន្នន័យនេះគ្មានតារាងតាមដានមរណភាព (surveillance) ទេ ព្រោះវាត្រូវបានកសាងដោយកំណែមុន។ សូមកសាងវាឡើងវិញដោយកំណែនេះ ដើម្បីមើលការស្លាប់ធៀបនឹងការរំពឹងទុក។"},
	"surv_district_note": {"Surveillance is by province: these are the figures of %s.", "ការតាមដានធ្វើឡើងតាមខេត្ត៖ នេះជាតួលេខរបស់ %s។"},
	"surv_scope_note":    {"Surveillance is by province, and this account sees one district only.", "ការតាមដានធ្វើឡើងតាមខេត្ត ហើយគណនីនេះមើលឃើញតែស្រុកមួយប៉ុណ្ណោះ។"},
	"surv_summary_complete": {"Latest complete %s, %s: %s deaths registered, %s expected.",
		"%s ពេញលេញចុងក្រោយ %s៖ ការស្លាប់បានចុះបញ្ជី %s រំពឹងទុក %s។"},
	"surv_summary_prov": {"Provisional from %s to %s; for %s, %s registered so far, nowcast %s.",
		"បណ្ដោះអាសន្នពី %s ដល់ %s។ សម្រាប់ %s បានចុះបញ្ជីរហូតមកដល់ពេលនេះ %s ការប៉ាន់ស្មានចំនួនចុងក្រោយ %s។"},
	"unit_deaths": {"deaths", "ការស្លាប់"},
	"unit_pscore": {"% above or below expected", "% លើស ឬក្រោមការរំពឹងទុក"},
	// the surveillance table's flags
	"flag_nowcast": {"nowcast: the count is estimated, from the registrations still expected to arrive (the delays of earlier periods).",
		"nowcast៖ ចំនួនត្រូវបានប៉ាន់ស្មាន ពីការចុះបញ្ជីដែលរំពឹងថានឹងមកដល់ (តាមរយៈពេលយឺតនៃរយៈពេលមុនៗ)។"},
	"flag_pooled_delay": {"pooled_delay: too few deaths in the area to estimate its own registration delay; that of all provinces together is used.",
		"pooled_delay៖ ការស្លាប់ក្នុងតំបន់តិចពេកដើម្បីប៉ាន់ស្មានរយៈពេលយឺតនៃការចុះបញ្ជីរបស់ខ្លួន ដូច្នេះប្រើរយៈពេលយឺតនៃខេត្តទាំងអស់រួមគ្នា។"},
	"flag_low_completeness": {"low_completeness: death registration in the area is too incomplete for its excess and P-score to be read as a level.",
		"low_completeness៖ ការចុះបញ្ជីមរណភាពក្នុងតំបន់មិនពេញលេញគ្រប់គ្រាន់ ដើម្បីអានការស្លាប់លើស និង P-score ជាកម្រិតពិតប្រាកដ។"},
	"flag_expected_lt20": {"expected_lt20: fewer than 20 deaths expected; a P-score over so few would swing by tens of percent with one death, and is not given (the excess is).",
		"expected_lt20៖ ការស្លាប់ដែលរំពឹងទុកតិចជាង ២០ ដូច្នេះមិនផ្ដល់ P-score ទេ ព្រោះការស្លាប់តែមួយអាចប្ដូរវារាប់សិបភាគរយ (ការស្លាប់លើសនៅតែផ្ដល់ជូន)។"},
	"flag_completeness_changed": {"completeness_changed: death registration completeness this year differs by more than 10% from that of the baseline years; part of the excess may be a change of registration, not of deaths.",
		"completeness_changed៖ ភាពពេញលេញនៃការចុះបញ្ជីមរណភាពឆ្នាំនេះ ខុសពីឆ្នាំមូលដ្ឋានលើសពី ១០% ដូច្នេះផ្នែកខ្លះនៃការស្លាប់លើស អាចជាការផ្លាស់ប្ដូរការចុះបញ្ជី មិនមែនការស្លាប់ទេ។"},
	"flag_completeness_unknown": {"completeness_unknown: no estimate of death registration completeness for the area and year; the excess cannot be judged against it.",
		"completeness_unknown៖ គ្មានការប៉ាន់ស្មានភាពពេញលេញនៃការចុះបញ្ជីមរណភាពសម្រាប់តំបន់ និងឆ្នាំនេះទេ ដូច្នេះមិនអាចវាយតម្លៃការស្លាប់លើសធៀបនឹងវាបានទេ។"},
	"flag_no_baseline": {"no_baseline: fewer than three earlier years of data; no deaths expected and no excess.",
		"no_baseline៖ ទិន្នន័យឆ្នាំមុនៗតិចជាងបីឆ្នាំ ដូច្នេះគ្មានការស្លាប់រំពឹងទុក និងគ្មានការស្លាប់លើសទេ។"},
	"flag_no_nowcast": {"no_nowcast: the period's registrations are still arriving and no nowcast could be made; its final count is not estimated.",
		"no_nowcast៖ ការចុះបញ្ជីនៃរយៈពេលនេះកំពុងមកដល់ ហើយមិនអាចធ្វើការប៉ាន់ស្មានបានទេ ដូច្នេះចំនួនចុងក្រោយមិនត្រូវបានប៉ាន់ស្មានទេ។"},
	"flag_expected_not_positive": {"expected_not_positive: the baseline expects no deaths; no P-score.",
		"expected_not_positive៖ មូលដ្ឋានមិនរំពឹងទុកការស្លាប់ទេ ដូច្នេះគ្មាន P-score ទេ។"},
	"flagname_completeness_changed":  {"completeness_changed", "ពេញលេញប្ដូរ"},
	"flagname_completeness_unknown":  {"completeness_unknown", "ពេញលេញមិនដឹង"},
	"flagname_no_baseline":           {"no_baseline", "គ្មានមូលដ្ឋាន"},
	"flagname_no_nowcast":            {"no_nowcast", "គ្មានការប៉ាន់ស្មាន"},
	"flagname_expected_not_positive": {"expected_not_positive", "រំពឹងទុកសូន្យ"},
	"flagname_expected_lt20":         {"expected_lt20", "រំពឹងទុកតិចជាង២០"},
	"flagname_nowcast":               {"nowcast", "ប៉ាន់ស្មាន"},
	"flagname_pooled_delay":          {"pooled_delay", "យឺតរួម"},
	"flagname_low_completeness":      {"low_completeness", "ពេញលេញទាប"},
	// definitions (ⓘ)
	"def_surv_num": {"Deaths by date of occurrence, registered so far; for provisional periods, the nowcast of their final count",
		"ការស្លាប់តាមថ្ងៃកើតឡើង ដែលបានចុះបញ្ជីរហូតមកដល់ពេលនេះ។ សម្រាប់រយៈពេលបណ្ដោះអាសន្ន គឺការប៉ាន់ស្មានចំនួនចុងក្រោយ"},
	"def_surv_den": {"Deaths expected: the trend of earlier years with one level per week or month of the year (Karlinsky and Kobak)",
		"ការស្លាប់ដែលរំពឹងទុក៖ និន្នាការនៃឆ្នាំមុនៗ ដោយមានកម្រិតមួយសម្រាប់សប្តាហ៍ ឬខែនីមួយៗនៃឆ្នាំ (Karlinsky និង Kobak)"},
	"def_pscore_num": {"Deaths (corrected by the nowcast) less the deaths expected, × 100",
		"ការស្លាប់ (កែតម្រូវដោយការប៉ាន់ស្មាន) ដកការស្លាប់ដែលរំពឹងទុក × ១០០"},
	"def_pscore_den": {"Deaths expected from earlier years", "ការស្លាប់ដែលរំពឹងទុកពីឆ្នាំមុនៗ"},
}

func init() {
	for k, w := range survWords {
		if _, dup := words[k]; dup {
			panic("dashboards: label " + k + " is defined twice")
		}
		words[k] = w
	}
}
