package namespace

// ChangesSession exposes changesSession to the external tests.
var ChangesSession = changesSession

// ChangesSessionIn exposes changesSessionIn to the external tests.
var ChangesSessionIn = changesSessionIn
