package namespace

// ChangesSession exposes changesSession to the external tests.
var ChangesSession = changesSession
