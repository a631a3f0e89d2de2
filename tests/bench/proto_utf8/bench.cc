// Serialize/parse cost of a GetConfigResponse-shaped message by document field type (run.sh).
#include <chrono>
#include <cstdio>
#include <string>
#include "p2.pb.h"
#include "p3.pb.h"
template <class M> void Run(const char* label, size_t size) {
  M m; m.set_name("payments"); m.set_revision(12345); m.set_etag("\"0123456789abcdef\"");
  std::string doc; doc.reserve(size);
  while (doc.size() < size) doc += "{\"db\":{\"host\":\"db.internal\",\"pool\":{\"max\":32}},\"name\":\"caf\xc3\xa9\"},";
  doc.resize(size); m.set_json(doc);
  const int iters = size > 100000 ? 4000 : 400000;
  std::string out; M back;
  for (int i = 0; i < iters / 10; ++i) { out.clear(); m.SerializeToString(&out); }
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iters; ++i) { out.clear(); m.SerializeToString(&out); }
  auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < iters; ++i) { back.ParseFromString(out); }
  auto t2 = std::chrono::steady_clock::now();
  double s = std::chrono::duration<double, std::nano>(t1 - t0).count() / iters;
  double p = std::chrono::duration<double, std::nano>(t2 - t1).count() / iters;
  std::printf("%-22s %7zu B  serialize %9.0f ns  parse %9.0f ns\n", label, size, s, p);
}
int main() {
  for (size_t size : {size_t{1024}, size_t{256 * 1024}}) {
    for (int rep = 0; rep < 2; ++rep) {
      Run<b3::RB>("proto3 bytes", size);
      Run<b3::RS>("proto3 string", size);
      Run<b2::RS>("proto2 string", size);
    }
  }
}
