package dashboards

// Langs are the languages of the pages, the first the default.
var Langs = []string{"en", "km"}

// words holds every label of the pages in English and Khmer. The Khmer was
// written by the developers and awaits review by a Khmer-speaking
// statistician.
var words = map[string][2]string{
	"product":        {"Vital statistics of Cambodia", "ស្ថិតិអត្រានុកូលដ្ឋានកម្ពុជា"},
	"overview":       {"National overview", "ទិដ្ឋភាពទូទៅថ្នាក់ជាតិ"},
	"completeness":   {"Completeness by province", "ភាពពេញលេញតាមខេត្ត"},
	"fertility":      {"Fertility", "កំណើត"},
	"mortality":      {"Mortality", "មរណភាព"},
	"causes":         {"Causes of death", "មូលហេតុនៃការស្លាប់"},
	"quality":        {"Data quality", "គុណភាពទិន្នន័យ"},
	"runs":           {"ETL runs", "ដំណើរការ ETL"},
	"age":            {"Age", "អាយុ"},
	"month":          {"Month", "ខែ"},
	"cause":          {"Cause", "មូលហេតុ"},
	"reason":         {"Reason", "មូលហេតុនៃការបដិសេធ"},
	"year":           {"Year", "ឆ្នាំ"},
	"area":           {"Area", "តំបន់"},
	"sex":            {"Sex", "ភេទ"},
	"sex_T":          {"Both sexes", "ភេទទាំងពីរ"},
	"sex_M":          {"Male", "ប្រុស"},
	"sex_F":          {"Female", "ស្រី"},
	"show":           {"Show", "បង្ហាញ"},
	"table":          {"Data table", "តារាងទិន្នន័យ"},
	"csv":            {"Download CSV", "ទាញយក CSV"},
	"value":          {"Value", "តម្លៃ"},
	"ci":             {"95% interval", "ចន្លោះជឿជាក់ ៩៥%"},
	"numerator":      {"Numerator", "ភាគយក"},
	"denominator":    {"Denominator", "ភាគបែង"},
	"flags":          {"Flags", "សញ្ញាសម្គាល់"},
	"suppressed":     {"suppressed", "លាក់"},
	"no_data":        {"No data for this selection.", "គ្មានទិន្នន័យសម្រាប់ការជ្រើសរើសនេះទេ។"},
	"change":         {"change since", "ការប្រែប្រួលធៀបនឹង"},
	"login":          {"Sign in", "ចូលប្រើ"},
	"logout":         {"Sign out", "ចាកចេញ"},
	"user":           {"User name", "ឈ្មោះអ្នកប្រើ"},
	"password":       {"Password", "ពាក្យសម្ងាត់"},
	"bad_login":      {"Unknown user or wrong password.", "ឈ្មោះអ្នកប្រើ ឬពាក្យសម្ងាត់មិនត្រឹមត្រូវ។"},
	"as_of":          {"Data as of", "ទិន្នន័យគិតត្រឹម"},
	"built":          {"warehouse built", "ឃ្លាំងទិន្នន័យបានកសាង"},
	"snapshot":       {"lake snapshot", "រូបថតបឹងទិន្នន័យ"},
	"legend_flags":   {"Flags: lt20 = fewer than 20 events (unstable); lt5 = fewer than 5; cells from 1 to 4 events are suppressed; window_open = late registrations still arriving.", "សញ្ញាសម្គាល់៖ lt20 = តិចជាង ២០ ព្រឹត្តិការណ៍ (មិនស្ថិតស្ថេរ); lt5 = តិចជាង ៥; ក្រឡាពី ១ ដល់ ៤ ព្រឹត្តិការណ៍ត្រូវបានលាក់; window_open = ការចុះបញ្ជីយឺតកំពុងមកដល់។"},
	"birth":          {"Births", "កំណើត"},
	"death":          {"Deaths", "មរណភាព"},
	"fetal_death":    {"Fetal deaths", "ការស្លាប់របស់ទារកក្នុងផ្ទៃ"},
	"marriage":       {"Marriages", "អាពាហ៍ពិពាហ៍"},
	"kpi":            {"Key indicators", "សូចនាករសំខាន់ៗ"},
	"indicator":      {"Indicator", "សូចនាករ"},
	"events_month":   {"Events by month of occurrence", "ព្រឹត្តិការណ៍តាមខែកើតឡើង"},
	"compl_trend":    {"Registration completeness by year of occurrence", "ភាពពេញលេញនៃការចុះបញ្ជីតាមឆ្នាំកើតឡើង"},
	"timely_trend":   {"Registered on time (within the legal limit)", "ចុះបញ្ជីទាន់ពេល (ក្នុងរយៈពេលច្បាប់កំណត់)"},
	"compl_map":      {"Birth registration completeness", "ភាពពេញលេញនៃការចុះបញ្ជីកំណើត"},
	"compl_births":   {"Birth completeness, ranked", "ភាពពេញលេញកំណើត តាមលំដាប់"},
	"compl_deaths":   {"Death completeness, ranked", "ភាពពេញលេញមរណភាព តាមលំដាប់"},
	"asfr":           {"Age-specific fertility rates (births per 1,000 women)", "អត្រាកំណើតតាមអាយុ (កំណើតក្នុងស្ត្រី ១០០០ នាក់)"},
	"tfr_areas":      {"Total fertility rate by area", "អត្រាកំណើតសរុបតាមតំបន់"},
	"tfr_trend":      {"Total fertility rate", "អត្រាកំណើតសរុប"},
	"e0_trend":       {"Life expectancy at birth", "អាយុសង្ឃឹមរស់ពេលកើត"},
	"child_trend":    {"Infant and under-five mortality (per 1,000 live births)", "មរណភាពទារក និងកុមារអាយុក្រោម ៥ ឆ្នាំ (ក្នុងកំណើតរស់ ១០០០)"},
	"pyramid":        {"Registered deaths by age and sex", "មរណភាពដែលបានចុះបញ្ជីតាមអាយុ និងភេទ"},
	"leading":        {"Leading causes of death (share of deaths)", "មូលហេតុចម្បងនៃការស្លាប់ (ចំណែកនៃមរណភាព)"},
	"leading_age":    {"Leading causes of death by age (share of the age group's deaths)", "មូលហេតុចម្បងនៃការស្លាប់តាមក្រុមអាយុ (ចំណែកនៃមរណភាពក្នុងក្រុមអាយុ)"},
	"rank":           {"Rank", "ចំណាត់ថ្នាក់"},
	"illdef_age":     {"Ill-defined causes (R00-R99) by age", "មូលហេតុមិនច្បាស់លាស់ (R00-R99) តាមអាយុ"},
	"illdef_areas":   {"Ill-defined causes (R00-R99) by area", "មូលហេតុមិនច្បាស់លាស់ (R00-R99) តាមតំបន់"},
	"missing":        {"Missing or unknown values by month", "តម្លៃបាត់ ឬមិនស្គាល់ តាមខែ"},
	"heaping":        {"Age heaping (Whipple index; 100 = none)", "ការប្រមូលផ្តុំអាយុ (សន្ទស្សន៍ Whipple; ១០០ = គ្មាន)"},
	"duplicates":     {"Probable duplicates excluded (share of records)", "ការចុះបញ្ជីស្ទួនដែលបានដកចេញ (ចំណែកនៃកំណត់ត្រា)"},
	"quarantine":     {"Records refused by the ETL, by reason", "កំណត់ត្រាដែល ETL បដិសេធ តាមមូលហេតុ"},
	"run_history":    {"Job runs", "ប្រវត្តិដំណើរការ"},
	"run_durations":  {"Duration of each run (seconds)", "រយៈពេលនៃដំណើរការនីមួយៗ (វិនាទី)"},
	"last_success":   {"Last success", "ជោគជ័យចុងក្រោយ"},
	"failures":       {"Failed runs", "ដំណើរការបរាជ័យ"},
	"job":            {"Job", "ការងារ"},
	"started":        {"Started", "ចាប់ផ្តើម"},
	"finished":       {"Finished", "បញ្ចប់"},
	"attempt":        {"Attempt", "ការព្យាយាម"},
	"outcome":        {"Outcome", "លទ្ធផល"},
	"error":          {"Error", "កំហុស"},
	"none":           {"none", "គ្មាន"},
	"registered":     {"registered", "បានចុះបញ្ជី"},
	"within_legal":   {"registered within the legal limit", "បានចុះបញ្ជីក្នុងរយៈពេលច្បាប់កំណត់"},
	"adjusted":       {"adjusted for completeness", "កែតម្រូវតាមភាពពេញលេញ"},
	"imr":            {"Infant mortality rate", "អត្រាមរណភាពទារក"},
	"u5mr":           {"Under-five mortality rate", "អត្រាមរណភាពកុមារអាយុក្រោម ៥ ឆ្នាំ"},
	"nmr":            {"Neonatal mortality rate", "អត្រាមរណភាពទារកទើបកើត"},
	"tfr":            {"Total fertility rate", "អត្រាកំណើតសរុប"},
	"e0":             {"Life expectancy at birth", "អាយុសង្ឃឹមរស់ពេលកើត"},
	"abr_15_19":      {"Adolescent birth rate 15-19", "អត្រាកំណើតក្នុងវ័យជំទង់ ១៥-១៩"},
	"birth_compl":    {"Birth registration completeness", "ភាពពេញលេញនៃការចុះបញ្ជីកំណើត"},
	"death_compl":    {"Death registration completeness", "ភាពពេញលេញនៃការចុះបញ្ជីមរណភាព"},
	"birth_ontime":   {"Births registered on time", "កំណើតដែលបានចុះបញ្ជីទាន់ពេល"},
	"whipple_death":  {"Ages at death", "អាយុពេលស្លាប់"},
	"whipple_mother": {"Mothers' ages", "អាយុម្តាយ"},
	"registry":       {"Registry", "បញ្ជីអេឡិចត្រូនិក"},
	"file":           {"File drops", "ឯកសារឌីជីថល"},
	"forbidden":      {"This account may not see that.", "គណនីនេះមិនអាចមើលវាបានទេ។"},
	"downloads":      {"Releases and downloads", "ការចេញផ្សាយ និងការទាញយក"},
	"downloads_note": {"Every download is recorded with your account name.", "ការទាញយកនីមួយៗត្រូវបានកត់ត្រាជាមួយឈ្មោះគណនីរបស់អ្នក។"},
	"districts":      {"Districts", "ស្រុក/ខណ្ឌ"},
}

// tr is a label in a language; a missing label shows its key, which a test
// catches.
func tr(lang, key string) string {
	w, ok := words[key]
	if !ok {
		return key
	}
	if lang == "km" {
		return w[1]
	}
	return w[0]
}
