#pragma once

#include <memory>

#include "hearth/v1/config_service.grpc.pb.h"
#include "tests/fakes/hearthd_process.h"
#include "tests/fakes/rpc/watch_stream.h"

namespace hearth::testing {

// A HearthdProcess that hands out ConfigService stubs on its --grpc-listen address.
class ServingHearthd : public HearthdProcess {
 public:
  using HearthdProcess::HearthdProcess;

  // A stub on a fresh insecure channel to server().
  std::unique_ptr<v1::ConfigService::Stub> Stub() const { return NewInsecureStub(server()); }
};

}  // namespace hearth::testing
