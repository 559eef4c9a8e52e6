// The interface between the HTTP server and the application.
#pragma once

#include "http/request.h"
#include "http/response_writer.h"

namespace custody::http {

// Answers requests. Thread-safe: the server calls Handle concurrently from its connection threads.
//
// Handle runs synchronously on the connection's thread and may block (database, disk, image
// work). It should answer through `writer`; if it returns without starting a response the server
// sends 500 (or 413/408/400 when the body read failed for that reason). It should not throw; if it
// does, the server answers 500 if it still can and closes the connection.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void Handle(Request& request, ResponseWriter& writer) = 0;
};

}  // namespace custody::http
