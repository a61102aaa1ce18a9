// Package attributehub is the key-value store of a customdata namespace:
// Canvas's AttributeHub, stored exactly as Canvas's Python SDK stores it, so
// Go and Python plugins can share hubs.
//
// A hub is named by (type, id), each at most 100 characters, unique within
// the namespace (rows of attribute_hub). Its attributes are rows of
// custom_attribute, keyed by (hub, name), with one typed column per value
// kind; the others are NULL, and a stored nil is a row with every value
// column NULL. A name is non-empty UTF-8 without NUL, of at most
// MaxNameLength (1,000) bytes, so that it always fits the primary key's
// btree index (whose entries hold about 2,700 bytes); a longer name is
// refused with ErrInvalidName before anything is sent.
//
// Every function works on a namespace-scoped *gorm.DB (a namespace handle's
// DB(ctx)); every statement names its tables schema-qualified and passes
// values as bind parameters. Writes go through that DB, so a read handle's
// DB refuses them. A nil DB is refused with ErrNilDB, and a DB that is not
// bound to a namespace (the platform's own connection, say) with an error
// that says so.
//
// # Hubs
//
//	hub, created, err := attributehub.GetOrCreate(ctx, db, "note_state", "note:"+noteID)
//	err = hub.SetAttribute(ctx, "tagged_by", "hello-custom-data")
//	by, ok, err := attributehub.Attribute[string](ctx, hub, "tagged_by")
//
// Create, Get, GetOrCreate (race-safe; one SELECT when the hub exists),
// Delete (the hub and its attributes, in one transaction that locks the hub
// row first, so attributes written concurrently go too), List and Find (hubs
// of a type, by attribute value), ListWithAttributes and Load (hubs with their
// attributes, one query; LoadOptions.Only narrows the names, like Canvas's
// with_only; Load refuses hubs of another namespace than its DB's).
//
// # Hot paths
//
// A Hub keeps the DB it came from. Outside a transaction, SetAttribute,
// GetAttribute, SetAttributes and Attributes (and the read of a hub by type
// and id in Get and GetOrCreate) run on the pgx connection under that DB's
// pool (same pool, role, session settings and exec mode), with a statement
// built once per namespace, prepared once per connection, and values
// scanned straight into Go values: each costs one round trip and about what
// the same statement costs written by hand with pgx. Integers and booleans
// are sent in binary as bigint and boolean, other values as text cast to
// their column's type; SetAttributes whose values are all of one kind sends
// them as one array of that kind (bigint[] for integers), a mix as names,
// kinds and texts. They run through GORM,
// as every other call does, on a hub of a transaction's DB (they then take
// part in the transaction), on a DB that carries an error or is in DryRun
// mode, on a DB that is not a database/sql pool of pgx connections (GORM's
// PrepareStmt, say), and, for the writes, on a read handle's DB, which
// refuses them before any round trip. A statement that PostgreSQL refuses
// for lack of privilege or a changed schema (SQLSTATE class 42, or 0A000)
// is run once more through GORM (it wrote nothing), so that its error is
// reported as through GORM; other errors are the same either way. GORM
// callbacks do not see the hot-path statements; the DB's logger
// (Logger.Trace) does, unless it is logger.Discard.
//
// # Values
//
// The Go type of a value picks its column, as the Python type does in
// Canvas:
//
//	Go value                                   column           read back as
//	string (and string kinds)                  text_value       string
//	int, int8..int64, uint..uint64             int_value        int64
//	float32, float64, decimal.Decimal          decimal_value    decimal.Decimal
//	bool                                       bool_value       bool
//	civil.Date                                 date_value       civil.Date
//	time.Time                                  timestamp_value  time.Time in UTC
//	map, slice, array, struct, json.RawMessage json_value       json.RawMessage
//	nil, a nil pointer, JSON null              (all NULL)       nil
//	a nil map, slice or json.RawMessage        (all NULL)       nil
//
// JSON values are encoded with encoding/json; a pointer to a map, slice,
// array or struct is marshalled as the pointer, so a MarshalJSON (or
// MarshalText) with a pointer receiver is used. A nil map or slice encodes
// as JSON null and is therefore stored as nil (every column NULL), not as
// {} or []: store an empty, non-nil map or slice for those. A struct with no
// field that encoding/json writes (none exported, or all tagged json:"-")
// and no MarshalJSON or MarshalText method is refused rather than stored as
// {}; pass a pointer if its method has a pointer receiver.
//
// A row written by other code with more than one value column set reads as
// Canvas's Python SDK reads it: the first set column of text, date,
// timestamp, int, decimal, bool, json. Reads do not depend on the session's
// DateStyle or TimeZone. A value such code may store that has no Go form (a
// decimal NaN: numeric accepts it) reads as an error wrapping
// ErrInvalidValue that names the attribute; Attributes, ListWithAttributes
// and Load leave it out and return everything else with that error.
//
// A pointer stores what it points to; pointers nested more than 32 deep (a
// pointer that points to itself, var x any; x = &x) are refused with
// ErrInvalidValue. GetAttribute returns the "read back as" types;
// Attribute[T] and Value[T] convert to other types by the rules documented
// on Value, and report a mismatch as a *TypeMismatchError.
//
// Nothing is stored with silent loss; such values are refused with an error
// wrapping ErrInvalidValue before anything is written:
//   - floats and decimals go to numeric(20,10): NaN, infinities, 10 or more
//     integer digits, or a non-zero digit beyond the 10th fractional digit
//     (which PostgreSQL would round) are errors. A float is stored as the
//     shortest decimal that reads back as the same float (0.1 is 0.1), so
//     1.0/3 is refused: round it first (decimal.NewFromFloat(x).Round(10)).
//   - integers: a uint64 above math.MaxInt64 is an error. In a namespace made
//     by Canvas int_value is 32-bit; PostgreSQL refuses larger values there
//     and the error wraps ErrInvalidValue.
//   - time.Time keeps microseconds (nanoseconds are truncated) and is read
//     back in UTC; the location is not stored. Years 1 to 9999 only.
//   - text and JSON of more than MaxValueLength (1,048,576) characters, text
//     that is not UTF-8 or holds NUL, JSON that holds a NUL character
//     (\u0000, which jsonb cannot store), and []byte (ambiguous) are refused.
//     Namespaces made by this SDK index text_value with a hash index, so
//     text up to the limit is stored. A namespace made by Canvas may carry a
//     btree index there, which refuses text over about 2,700 bytes after
//     compression (SQLSTATE 54000, wrapped with ErrInvalidValue); in such a
//     namespace keep long text in JSON.
//
// SetAttribute is one upsert (INSERT ... ON CONFLICT DO UPDATE, which sets
// every value column so a new kind clears the old one); concurrent writers of
// one attribute never fail and the last write wins. SetAttributes writes up
// to MaxBulk attributes in one statement.
//
// # Queries by value
//
//	hubs, err := attributehub.Find(ctx, db, "task",
//		attributehub.Where("priority").Gt(3),
//		attributehub.Where("status").In("open", "blocked"))
//
// A comparison works on the column that the operand's Go type selects
// (Canvas's value lookup): Gt(3) compares int_value and never matches a
// priority stored as text or decimal. Eq(nil) matches a stored nil; In needs
// operands of one kind (mixing them is an error wrapping ErrInvalidQuery).
// Operands need only be comparable, not storable: a decimal or float of any
// size or precision, text beyond MaxValueLength, and a uint64 above
// math.MaxInt64 (compared with int_value as numeric) are compared exactly;
// NaN and infinities are refused. A time with nanoseconds below a
// microsecond compares exactly too, with stored times, which have whole
// microseconds: Lt and Lte match stored times at or before its microsecond,
// Gt and Gte those after it, Eq matches nothing and In ignores it.
//
// # Query cookbook
//
// Hubs builds richer queries, each run as one statement (the Example
// functions show each form, run against a real database):
//
//   - types: Hubs("task"), Hubs("task", "bug"), or Hubs() for every type.
//   - filters: Where(f1, f2) needs both; And, Or and Not combine freely.
//     Not(Where("x").Eq(1)) includes hubs that have no x, as Django's
//     exclude does.
//   - missing values: IsNull (missing or stored nil, Django's isnull=True),
//     Exists (present, nil included), Eq(nil) (present and nil).
//   - text: Contains, HasPrefix and their case-insensitive IContains,
//     IHasPrefix (LIKE and ILIKE; %, _ and \ in the operand are matched
//     literally).
//   - JSON: JSONContains(v) (@>), HasKey(k) (?), and Path(keys...) followed by
//     Eq, In, Gt, Gte, Lt or Lte, which compare as JSON: Path("zip").Gt(7)
//     matches JSON numbers above 7, never strings.
//   - order: ByID (the default: hub id, then dbid) or ByValue(name, kind),
//     ascending or .Desc(), ties broken by dbid. Hubs without the value
//     (missing, nil or of another kind) come last in both directions.
//   - slices: Limit and Offset; Page returns a page and a Cursor, and
//     After(cursor) the page after it (keyset pagination: no hub is
//     repeated or skipped while other hubs are inserted or deleted).
//   - Count: the number of hubs the types and filters select.
//
// FindAttributes returns attribute rows with their hubs (Canvas's
// CustomAttribute.objects.filter), and Hub.AttributesWhere a hub's
// attributes narrowed the same way (hub.custom_attributes.filter); there a
// filter tests one attribute row at a time.
//
// Indexes: typed equality and ranges use the partial index of their column
// (a hash index for text: equality only), JSONContains, HasKey and Path's
// Eq and In use the GIN index of json_value, and an Or of conditions
// combines those indexes in one scan. ByValue walks the partial index of
// its column in order and stops at the page's last row, so a keyset page
// costs about the index entries from its cursor to its end, however deep
// it is; hubs without the value are read only when a
// page reaches them, and finding them has no index (the primary key is
// (hub_id, name)): each such page reads the hubs of its types in dbid
// order until it is full. No index of the namespace
// serves Contains, HasPrefix or ByValue on text (the text index is a
// hash), ordered Path comparisons, or a Not or IsNull that no other filter
// narrows: those read every attribute row of their name.
package attributehub
