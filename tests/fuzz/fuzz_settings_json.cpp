// The inference settings file (`calibra bench --settings FILE`): read, parsed, checked
// against a small model; what is accepted must survive a round trip.
#include "app/json.h"
#include "calibra/bench.h"
#include "harness.h"
#include "model_fixture.h"

namespace calibra::fuzz::settings_json {

int fuzz_one(const uint8_t* data, size_t size) {
  init();
  const std::string path = write_scratch("settings.json", data, size);
  auto s = app::load_settings(path);
  if (!s.is_ok()) {
    check_status(s.status(), "load_settings");
    return 0;
  }
  auto again = app::settings_from_json(app::to_json(*s));
  if (!again.is_ok()) fuzz_fail("accepted settings do not survive to_json/settings_from_json: " + again.status().message());
  Status v = validate_settings(*s, tiny_image_model());
  if (!v.is_ok()) check_status(v, "validate_settings");
  return 0;
}

}  // namespace calibra::fuzz::settings_json
