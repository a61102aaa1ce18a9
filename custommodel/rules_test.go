package custommodel_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/civil"
	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

type PlainStruct struct{ Name string }

type NamedTable struct {
	custommodel.CustomModel
	Name string
}

func (NamedTable) TableName() string { return "elsewhere" }

type OwnKey struct {
	custommodel.CustomModel
	Code string `gorm:"primaryKey"`
}

type FieldUnique struct {
	custommodel.CustomModel
	Email string `gorm:"unique"`
}

type Tag struct {
	custommodel.CustomModel
	Label string
}

type Post struct {
	custommodel.CustomModel
	Tags []Tag `gorm:"many2many:post_tags"`
}

type IndexedLink struct {
	custommodel.CustomModel
	PatientID int64 `gorm:"index"`
	Patient   *sdkmodel.Patient
}

type UniqueLink struct {
	custommodel.CustomModel
	PatientID int64 `gorm:"uniqueIndex"`
	Patient   *sdkmodel.Patient
}

type ExtensionWithColumn struct {
	sdkmodel.Patient
	Nickname string
}

type ExtensionToPlatform struct {
	sdkmodel.Patient
	Notes []sdkmodel.Note `gorm:"foreignKey:PatientID;references:DBID"`
}

type WithDefault struct {
	custommodel.CustomModel
	Status string `gorm:"default:lower('NEW')"` // a SQL expression: left to the database, so refused
}

type WithCommentPredicate struct {
	custommodel.CustomModel
	Status string `gorm:"index:open_only,where:status = 'open' -- and more"`
}

type WithDollarPredicate struct {
	custommodel.CustomModel
	Status string `gorm:"index:open_only,where:status = $$open$$"`
}

type WithFloat32 struct {
	custommodel.CustomModel
	Score float32
}

type WithUint struct {
	custommodel.CustomModel
	Count uint64
}

type WithBytes struct {
	custommodel.CustomModel
	Blob []byte
}

type WithBadTag struct {
	custommodel.CustomModel
	Name string `customdata:"onetoone"`
}

type Schema_Version struct { //nolint:revive // named like a system table on purpose
	custommodel.CustomModel
	Extra string
}

type Attribute_Hub struct { //nolint:revive // named like a system table on purpose
	custommodel.CustomModel
	Extra string
}

type Generic[T any] struct {
	custommodel.CustomModel
	Value T
}

type UniqueHash struct {
	custommodel.CustomModel
	Code string `gorm:"uniqueIndex:,type:hash"`
}

type UniqueGin struct {
	custommodel.CustomModel
	Meta map[string]any `gorm:"serializer:json;uniqueIndex:,type:gin"`
}

type GinOnText struct {
	custommodel.CustomModel
	Label string `gorm:"index:,type:gin"`
}

type GistIndex struct {
	custommodel.CustomModel
	At int64 `gorm:"index:,type:gist"`
}

type SortedGin struct {
	custommodel.CustomModel
	Meta map[string]any `gorm:"serializer:json;index:,type:gin,sort:desc"`
}

type BtreeOnLink struct {
	custommodel.CustomModel
	PatientID int64 `gorm:"index:by_patient,type:btree"`
	Patient   *sdkmodel.Patient
}

type DescOnLink struct {
	custommodel.CustomModel
	PatientID int64 `gorm:"index:,sort:desc"`
	Patient   *sdkmodel.Patient
}

func TestDeclarationRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		model       any
		unsupported bool
		want        []string // substrings of the message
	}{
		{"no CustomModel", &PlainStruct{}, false, []string{"PlainStruct", "does not embed custommodel.CustomModel", "add custommodel.CustomModel"}},
		{"TableName", &NamedTable{}, false, []string{"NamedTable", "implements TableName", "namedtable", "remove the TableName method"}},
		{"own primary key", &OwnKey{}, false, []string{"OwnKey, field Code", "primary key that is not a one-to-one link", "unique index"}},
		{"per-field unique", &FieldUnique{}, false, []string{"FieldUnique, field Email", "unique per field", "uniqueIndex"}},
		{"many-to-many", &Post{}, false, []string{"Post, field Tags", "many-to-many", "join model"}},
		{"index on link", &IndexedLink{}, false, []string{"IndexedLink, field PatientID", "duplicates the automatic index", "remove the index tag"}},
		{"unique index on link", &UniqueLink{}, false, []string{"UniqueLink, field PatientID", "one_to_one"}},
		{"extension adds column", &ExtensionWithColumn{}, false, []string{"ExtensionWithColumn, field Nickname", "adds a column", "custom model linked"}},
		{"extension relation to platform", &ExtensionToPlatform{}, false, []string{"ExtensionToPlatform, field Notes", "not a custom model"}},
		{"SDK model", &sdkmodel.Note{}, false, []string{"Note", "SDK model", "pass only custom models"}},
		{"default", &WithDefault{}, false, []string{"WithDefault, field Status", "default", "set the value in Go"}},
		{"unknown customdata tag", &WithBadTag{}, false, []string{"WithBadTag, field Name", `"onetoone"`}},
		{"comment in predicate", &WithCommentPredicate{}, false, []string{"WithCommentPredicate, field Status", `"--"`, "plain boolean expression"}},
		{"dollar quote in predicate", &WithDollarPredicate{}, false, []string{"WithDollarPredicate, field Status", `"$"`}},
		{"float32", &WithFloat32{}, true, []string{"WithFloat32, field Score", "float32", "supported types"}},
		{"uint64", &WithUint{}, true, []string{"WithUint, field Count", "uint64"}},
		{"bytes", &WithBytes{}, true, []string{"WithBytes, field Blob", "json.RawMessage"}},
		{"system table name", &Schema_Version{}, false, []string{"Schema_Version", `"schema_version"`, "system tables", "rename the struct"}},
		{"system table name 2", &Attribute_Hub{}, false, []string{"Attribute_Hub", `"attribute_hub"`, "system tables"}},
		{"generic type", &Generic[int32]{}, false, []string{`"generic[int32]"`, "not a plain lowercase identifier", "non-generic"}},
		{"unique hash index", &UniqueHash{}, false, []string{"UniqueHash", "unique hash index", "only btree indexes can be unique"}},
		{"unique gin index", &UniqueGin{}, false, []string{"UniqueGin", "unique gin index"}},
		{"gin on text", &GinOnText{}, false, []string{"GinOnText, field Label", "gin index on column label of type text", "no default gin operator class", "jsonb columns only"}},
		{"gist", &GistIndex{}, false, []string{"GistIndex, field At", "gist index on column at of type bigint"}},
		{"sorted gin", &SortedGin{}, false, []string{"SortedGin, field Meta", "sort:desc on a gin index"}},
		{"btree index on link", &BtreeOnLink{}, false, []string{"BtreeOnLink, field PatientID", "duplicates the automatic index of link patient_id", "remove the index tag"}},
		{"desc index on link", &DescOnLink{}, false, []string{"DescOnLink, field PatientID", "duplicates the automatic index", "both directions"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			stmts, err := custommodel.DDL("acme__rules", c.model)
			require.Error(t, err)
			assert.Nil(t, stmts)
			assert.ErrorIs(t, err, custommodel.ErrDeclaration)
			assert.Equal(t, c.unsupported, errors.Is(err, custommodel.ErrUnsupportedType))
			var de *custommodel.DeclarationError
			assert.ErrorAs(t, err, &de)
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

type HashOnLink struct {
	custommodel.CustomModel
	PatientID int64 `gorm:"index:patient_hash,type:hash"`
	Patient   *sdkmodel.Patient
	Label     string `gorm:"index:,type:BTREE,sort:desc"`
}

func TestIndexMethodsPostgreSQLCanBuild(t *testing.T) {
	t.Parallel()
	stmts, err := custommodel.DDL("acme__methods", &HashOnLink{})
	require.NoError(t, err, "a hash index on a link is not the automatic btree index")
	assert.Contains(t, stmts, `CREATE INDEX IF NOT EXISTS "acme__methods_hashonlink_patient_hash" ON "acme__methods"."hashonlink" USING hash ("patient_id")`)
	assert.Contains(t, stmts, `CREATE INDEX IF NOT EXISTS "acme__methods_hashonlink_hashonlink_label_b7ee02_idx" ON "acme__methods"."hashonlink" ("label" DESC)`, "btree is the default method")
	e := newEnv(t, "acme__methods", &HashOnLink{}, &EveryType{}, &Room{}, &Booking{})
	assert.Zero(t, e.count(t, "hashonlink"))
}

func TestDeclarationErrorsAllAtOnce(t *testing.T) {
	t.Parallel()
	_, err := custommodel.DDL("acme__rules", &FieldUnique{}, &WithFloat32{}, &Room{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "FieldUnique")
	assert.Contains(t, err.Error(), "WithFloat32")
}

func TestDDLAcceptsExtensionsAndBadInput(t *testing.T) {
	t.Parallel()
	withExt, err := custommodel.DDL(quickStartNS, &NoteTag{}, &CustomNote{})
	require.NoError(t, err)
	alone, err := custommodel.DDL(quickStartNS, &NoteTag{})
	require.NoError(t, err)
	assert.Equal(t, alone, withExt, "an extension needs no statements")

	for _, ns := range []string{"", "Bad-Name; DROP TABLE x", "public", "acme"} {
		_, err = custommodel.DDL(ns, &Room{})
		assert.ErrorIs(t, err, custommodel.ErrDeclaration, ns)
		assert.ErrorIs(t, err, manifest.ErrInvalidNamespace, ns)
	}
	_, err = custommodel.DDL("acme__x", nil, 42)
	assert.ErrorIs(t, err, custommodel.ErrDeclaration)
}

func TestLongIndexNamesAreShortenedDeterministically(t *testing.T) {
	t.Parallel()
	type AVeryLongModelNameThatGoesOnAndOnForQuiteSomeTimeIndeed struct {
		custommodel.CustomModel
		AnotherRatherLongFieldNameForTesting string `gorm:"uniqueIndex"`
	}
	stmts, err := custommodel.DDL("acme__long", &AVeryLongModelNameThatGoesOnAndOnForQuiteSomeTimeIndeed{})
	require.NoError(t, err)
	last := stmts[len(stmts)-1]
	require.Contains(t, last, "CREATE UNIQUE INDEX IF NOT EXISTS")
	name := last[len(`CREATE UNIQUE INDEX IF NOT EXISTS "`):]
	name = name[:strings.Index(name, `"`)]
	// Cut to 63 bytes, where PostgreSQL cuts the same name in Canvas's DDL.
	assert.Equal(t, "acme__long_averylongmodelnamethatgoesonandonforquitesometimeind", name)
	again, err := custommodel.DDL("acme__long", &AVeryLongModelNameThatGoesOnAndOnForQuiteSomeTimeIndeed{})
	require.NoError(t, err)
	assert.Equal(t, stmts, again)
}

type PatientProfile struct {
	custommodel.CustomModel
	PatientID int64             `customdata:"one_to_one"`
	Patient   *sdkmodel.Patient `gorm:"foreignKey:PatientID;references:DBID"`
	Nickname  string
}

func TestOneToOneLinkGetsUniqueIndexAndCoversLookups(t *testing.T) {
	t.Parallel()
	stmts, err := custommodel.DDL("acme__profiles", &PatientProfile{})
	require.NoError(t, err)
	assert.Contains(t, stmts, `CREATE UNIQUE INDEX IF NOT EXISTS "acme__profiles_patientprofile_uq_patientprofile_patient_id" ON "acme__profiles"."patientprofile" ("patient_id")`)

	e := newEnv(t, "acme__profiles", &PatientProfile{})
	_, created, err := custommodel.GetOrCreate(t.Context(), e.db, custommodel.Lookup{"patient_id": 7}, &PatientProfile{Nickname: "Ada"})
	require.NoError(t, err)
	assert.True(t, created)
	p, created, err := custommodel.GetOrCreate(t.Context(), e.db, custommodel.Lookup{"patient_id": 7}, &PatientProfile{})
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, "Ada", p.Nickname)
	assert.NotZero(t, p.DBID)
}

// PatientFlag links to the patient by its external key, not its dbid.
type PatientFlag struct {
	custommodel.CustomModel
	PatientKey string
	Patient    *sdkmodel.Patient `gorm:"foreignKey:PatientKey;references:Key"`
	Flag       string
}

// TestLinkToSDKKeyKeepsItsType: a link column has the type of the key it
// points to, varchar(32) for Patient and Staff's key, and is indexed.
func TestLinkToSDKKeyKeepsItsType(t *testing.T) {
	t.Parallel()
	stmts, err := custommodel.DDL("acme__flags", &PatientFlag{})
	require.NoError(t, err)
	all := strings.Join(stmts, ";\n")
	assert.Contains(t, all, `ADD COLUMN IF NOT EXISTS "patient_key" varchar(32)`)
	assert.Contains(t, all, `("patient_key")`, "the link column is indexed")
	assert.Contains(t, all, `ADD COLUMN IF NOT EXISTS "flag" text`, "other strings stay text")
}

// Shelf declares its books; Book does not declare the link back.
type Shelf struct {
	custommodel.CustomModel
	Label string
	Books []Book `gorm:"foreignKey:ShelfID"`
}

type Book struct {
	custommodel.CustomModel
	ShelfID int64
	Title   string
}

// TestReverseRelationNeedsTheLink: a has-many declared only on the parent
// would leave the child's column a plain, unindexed bigint; it is refused
// with the field to add. Declared on both sides, the column is a link.
func TestReverseRelationNeedsTheLink(t *testing.T) {
	t.Parallel()
	_, err := custommodel.DDL("acme__shelves", &Shelf{}, &Book{})
	require.ErrorIs(t, err, custommodel.ErrDeclaration)
	var de *custommodel.DeclarationError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "Books", de.Field)
	assert.Contains(t, err.Error(), "Book.ShelfID")
	assert.Contains(t, err.Error(), "`Shelf *Shelf `gorm:\"foreignKey:ShelfID;references:DBID\"``")

	stmts, err := custommodel.DDL("acme__rooms", &Room{}, &Booking{})
	require.NoError(t, err, "Booking declares its Room")
	assert.Contains(t, strings.Join(stmts, "\n"), `"acme__rooms_booking_booking_room_id_cce905_idx" ON "acme__rooms"."booking" ("room_id")`, "the link column is indexed")
}

// FlagDay keys a flag by patient key and day: a composite unique index over
// a varchar(32) link.
type FlagDay struct {
	custommodel.CustomModel
	PatientKey string            `gorm:"uniqueIndex:flag_day"`
	Patient    *sdkmodel.Patient `gorm:"foreignKey:PatientKey;references:Key"`
	Day        civil.Date        `gorm:"uniqueIndex:flag_day"`
}

func TestIndexOverSDKKeyLink(t *testing.T) {
	t.Parallel()
	stmts, err := custommodel.DDL("acme__flags", &FlagDay{})
	require.NoError(t, err)
	assert.Contains(t, strings.Join(stmts, "\n"), `CREATE UNIQUE INDEX IF NOT EXISTS "acme__flags_flagday_flag_day" ON "acme__flags"."flagday" ("patient_key", "day")`)
}
