package manifest_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/manifest"
)

// corpusWarnings is the verdict Canvas's CLI gives each real manifest in testdata/manifests (copied
// from Canvas's example plugins): every one is accepted, so the table lists the JSON paths of the
// warnings each gets. Canvas itself prints the tags warnings; the "secrets" deprecation and the
// missing access-key secret for custom_data ("custom_data") are this package's own warnings.
//
// Odd ones, on purpose: several give "tags" as an array or with an unknown category ("use-case"),
// which Canvas only warns about; custom_data_uat and note-timeline-restrictions use custom data
// without declaring namespace_read_write_access_key (fine for the plugin that creates the namespace),
// and note-timeline-restrictions keeps an empty "secrets" list (still deprecated).
var corpusWarnings = map[string][]string{
	"abnormal_lab_task_notification--abnormal_lab_task_notification.json":                                   {`tags`},
	"ai_note_titles--ai_note_titles.json":                                                                   {},
	"api_samples--api_samples.json":                                                                         {},
	"appointment_coverage_label--appointment_coverage_label.json":                                           {`secrets`, `tags["use-case"]`},
	"appointment_state_field--appointment_state_field.json":                                                 {},
	"aws_s3--aws_manip.json":                                                                                {`secrets`},
	"canvas_fhir_client--canvas_fhir_client.json":                                                           {`secrets`},
	"charting_api_examples--charting_api_examples.json":                                                     {},
	"coverage_metadata_sync--coverage_metadata_sync.json":                                                   {`secrets`, `tags["use-case"]`},
	"custom_data_room_booking--custom_data_room_booking.json":                                               {`secrets`},
	"custom_data_uat.json":                                                                                  {`secrets`, `custom_data`},
	"custom_homepage.json":                                                                                  {},
	"data_integration_example--data_integration_example.json":                                               {`tags`, `secrets`},
	"documents_and_images.json":                                                                             {},
	"example_chart_app--example_chart_app.json":                                                             {},
	"example_commands--example_commands.json":                                                               {},
	"example_patient_portal_page--example_patient_portal_page.json":                                         {},
	"example_patient_sync--example_patient_sync.json":                                                       {`secrets`},
	"example_provider_companion_app--example_provider_companion_app.json":                                   {},
	"example_provider_menu_configuration--example_provider_menu_configuration.json":                         {},
	"example_provider_page--example_provider_page.json":                                                     {},
	"extend_ai_pdf--pdf_manip.json":                                                                         {`secrets`},
	"fixture-cross_plugin_thief.json":                                                                       {},
	"fixture-example_plugin.json":                                                                           {},
	"fixture-test_caching_api.json":                                                                         {},
	"fixture-test_implicit_imports_plugin.json":                                                             {},
	"fixture-test_load_questionnaire.json":                                                                  {},
	"fixture-test_module_forbidden_imports_plugin.json":                                                     {},
	"fixture-test_module_forbidden_imports_runtime_plugin.json":                                             {},
	"fixture-test_module_imports_outside_plugin_v1.json":                                                    {},
	"fixture-test_module_imports_outside_plugin_v2.json":                                                    {},
	"fixture-test_module_imports_outside_plugin_v3.json":                                                    {},
	"fixture-test_module_imports_plugin.json":                                                               {},
	"fixture-test_none_compute.json":                                                                        {`secrets`},
	"fixture-test_payment_processor.json":                                                                   {},
	"fixture-test_render_template.json":                                                                     {},
	"fixture-test_sandbox_lint_violations.json":                                                             {},
	"fixture-test_shared_modules_plugin.json":                                                               {},
	"fixture-test_simple_api.json":                                                                          {},
	"lab_results_modal--lab_results_modal.json":                                                             {`secrets`, `tags`},
	"llm--llm_manip.json":                                                                                   {`secrets`},
	"my_first_plugin--my_first_plugin.json":                                                                 {`tags`},
	"note-timeline-restrictions--note_timeline_restrictions.json":                                           {`secrets`, `custom_data`},
	"note_management_app--note_management_app.json":                                                         {},
	"note_state_transition_buttons--note_state_transition_buttons.json":                                     {},
	"patient_app_schedule--patient_app_schedule.json":                                                       {},
	"patient_portal_plugin--patient_portal_plugin.json":                                                     {`secrets`},
	"patient_portal_search_appointments_slots_plugin--patient_portal_search_appointments_slots_plugin.json": {},
	"patient_summary_chart_groups--patient_summary_chart_groups.json":                                       {},
	"pharmacy_search_demo.json":                                                                             {},
	"plugins_smoke_test--plugins_smoke_test.json":                                                           {},
	"preact_hello_world--preact_hello_world.json":                                                           {},
	"recurring_appointments--recurring_appointments.json":                                                   {},
	"refill_priority_setter_plugin--refill_priority_setter_plugin.json":                                     {`secrets`},
	"send_all_prescriptions--send_all_prescriptions.json":                                                   {},
	"sendgrid_email--sendgrid_email.json":                                                                   {`secrets`},
	"simple_note_button_plugin--simple_note_button_plugin.json":                                             {`tags`},
	"staff_signature_plugin--staff_signature_plugin.json":                                                   {`secrets`, `tags`},
	"supervising_provider_plugin--supervising_provider_plugin.json":                                         {},
	"supervising_provider_prescribe--supervising_provider_prescribe.json":                                   {},
	"supervising_provider_prescribe_protocol--supervising_provider_prescribe_protocol.json":                 {},
	"twilio_sms_mms--twilio_sms_mms.json":                                                                   {`secrets`},
	"upsert_patient_metadata--upsert_patient_metadata.json":                                                 {},
	"vitals_visualizer_plugin--vitals_visualizer_plugin.json":                                               {`tags`},
}

func TestCorpusVerdicts(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "manifests", "*.json"))
	require.NoError(t, err)
	require.Len(t, files, 64, "the corpus holds Canvas's 64 example manifests")

	seen := map[string]bool{}
	for _, file := range files {
		name := filepath.Base(file)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want, listed := corpusWarnings[name]
			require.True(t, listed, "%s has no expected verdict in corpusWarnings", name)

			m, err := manifest.Load(file)
			require.NoError(t, err, "Canvas accepts this manifest")
			require.NotNil(t, m)

			var got []string
			for _, w := range m.Warnings {
				got = append(got, w.Path)
				assert.Positive(t, w.Line, "warning %s has a line", w)
			}
			assert.ElementsMatch(t, want, got, "warning paths")
			assert.NotEmpty(t, m.Name)
			assert.NotEmpty(t, m.SDKVersion)
		})
	}
	for name := range corpusWarnings {
		assert.True(t, seen[name], "corpusWarnings lists %s, which is not in testdata/manifests", name)
	}
}

func TestCorpusCustomData(t *testing.T) {
	t.Parallel()
	cases := map[string]manifest.CustomData{
		"custom_data_room_booking--custom_data_room_booking.json": {Namespace: "custom_data__room_booking", Access: manifest.ReadWrite},
		"custom_data_uat.json": {Namespace: "custom_data__uat", Access: manifest.ReadWrite},
		"note-timeline-restrictions--note_timeline_restrictions.json": {Namespace: "note_timeline__restrictions", Access: manifest.ReadWrite},
	}
	files, err := filepath.Glob(filepath.Join("testdata", "manifests", "*.json"))
	require.NoError(t, err)
	for _, file := range files {
		m, err := manifest.Load(file)
		require.NoError(t, err)
		want, ok := cases[filepath.Base(file)]
		if !ok {
			assert.Nil(t, m.CustomData, "%s has no custom_data", file)
			continue
		}
		require.NotNil(t, m.CustomData, file)
		assert.Equal(t, want, *m.CustomData, file)
		assert.Equal(t, manifest.ReadWriteAccessKey, m.CustomData.SecretName())
	}
}
