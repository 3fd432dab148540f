// The model usage config file (`calibra eval --config FILE`, the workbench's usage): read,
// parsed, checked against a small image model; what is accepted must survive a round trip.
#include "app/json.h"
#include "calibra/model.h"
#include "harness.h"
#include "model_fixture.h"

namespace calibra::fuzz::usage_json {

int fuzz_one(const uint8_t* data, size_t size) {
  init();
  const std::string path = write_scratch("usage.json", data, size);
  auto u = app::load_usage(path);
  if (!u.is_ok()) {
    check_status(u.status(), "load_usage");
    return 0;
  }
  auto again = app::usage_from_json(app::to_json(*u));
  if (!again.is_ok()) fuzz_fail("an accepted usage config does not survive to_json/usage_from_json: " + again.status().message());
  // Checked against a 1x3x8x8 model and an 8x8 RGB dataset, then applied to one image.
  DatasetInfo ds;
  ds.height = ds.width = 8;
  ds.channels = 3;
  ds.annotated = true;
  ds.num_classes = 10;
  Status v = validate_usage(*u, tiny_image_model(), ds);
  if (!v.is_ok()) {
    check_status(v, "validate_usage");
    return 0;
  }
  auto shape = sample_shape(*u, tiny_image_model());
  if (!shape.is_ok()) fuzz_fail("validate_usage passed but sample_shape failed: " + shape.status().message());
  Image img;
  img.height = img.width = 8;
  img.channels = 3;
  img.pixels.assign(8 * 8 * 3, 100);
  std::vector<float> dst(static_cast<size_t>(shape_numel(*shape)));
  Status p = preprocess(img, u->preprocessing, *shape, dst.data());
  if (!p.is_ok()) check_status(p, "preprocess");
  return 0;
}

}  // namespace calibra::fuzz::usage_json
