#pragma once
// Views of a registry for the outputs that have no grouping key of their own (the live
// endpoint and the textfile) and the text format they share.
#include <prometheus/collectable.h>
#include <prometheus/labels.h>
#include <prometheus/metric_family.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace dt::metrics {

// Adds constant labels (campaign, shard) to every sample of another collectable. The push
// gets these from its grouping key instead: sending them twice is what the Pushgateway rejects.
class LabelledView : public prometheus::Collectable {
 public:
  LabelledView(std::shared_ptr<prometheus::Collectable> inner, prometheus::Labels labels);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::shared_ptr<prometheus::Collectable> inner_;
  prometheus::Labels labels_;
};

std::string to_text(const std::vector<prometheus::MetricFamily>& families);

// node_exporter's textfile collector reads *.prom at any moment: write a temporary file in
// the same directory, fsync it and rename it over the target, so it never sees half a file.
void write_textfile(const std::filesystem::path& path, const std::string& text);

}  // namespace dt::metrics
