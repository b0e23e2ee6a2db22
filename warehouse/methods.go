package warehouse

// methods are the models computed in Go (package demog) rather than SQL:
// each reads intermediate models and writes an int_* table that indicators
// (and other intermediate models) select from. They run among the SQL
// intermediate models, after those they name in needs.
var methods []model
