package warehouse

// methods are the models computed in Go (package demog) rather than SQL:
// each reads intermediate models and writes an int_* table that indicators
// select from. They run after the SQL intermediate layer.
var methods []model
