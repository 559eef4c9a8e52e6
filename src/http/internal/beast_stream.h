// INTERNAL to http/ (.cc files only): adapts SocketIo to Beast's SyncReadStream concept so Beast's
// parsers can read from our non-blocking, poll()-timed sockets. This header pulls in Beast; keep
// it out of public headers.
#pragma once

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>
#include <span>

#include "http/internal/socket_io.h"

namespace custody::http::internal {

class BeastStream {
 public:
  explicit BeastStream(SocketIo& io) : io_(io) {}

  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec) {
    ec = {};
    auto end = boost::asio::buffer_sequence_end(buffers);
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != end; ++it) {
      boost::asio::mutable_buffer b = *it;
      if (b.size() == 0) continue;
      int err = 0;
      long n = io_.Recv(b.data(), b.size(), &err);
      if (n > 0) return static_cast<size_t>(n);
      if (n == 0) {
        ec = boost::asio::error::eof;
      } else {
        ec = boost::system::error_code(err, boost::system::system_category());
      }
      return 0;
    }
    return 0;
  }

  // Required by the concept; never called by http/ (every call site uses error codes).
  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers) {
    boost::system::error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) BOOST_THROW_EXCEPTION(boost::system::system_error(ec));
    return n;
  }

 private:
  SocketIo& io_;
};

inline bool IsTimeout(const boost::system::error_code& ec) {
  return ec == boost::system::error_code(ETIMEDOUT, boost::system::system_category());
}

// Reads body bytes through `parser` (a parser over http::buffer_body) into `out`, returning as
// soon as at least one byte is there, the message is complete (0), or an error occurs (`ec`).
//
// Why not http::read_some: when a put() consumes part of the input and then wants more (the end
// of a chunk, say) it returns need_more, and read_some goes back to the socket instead of
// returning, so a 64 KiB body buffer would hold ~1800 small SSE events before the caller saw one.
// Reads are also 64 KiB at a time, where Beast's read_size would make them 512 bytes on a fresh
// buffer.
template <class Parser>
size_t ReadBodySome(BeastStream& stream, boost::beast::flat_buffer& buffer, Parser& parser,
                    std::span<uint8_t> out, boost::system::error_code& ec) {
  namespace bhttp = boost::beast::http;
  ec = {};
  auto& body = parser.get().body();
  body.data = out.data();
  body.size = out.size();
  while (!parser.is_done()) {
    bool need_input = buffer.size() == 0;
    if (!need_input) {
      size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == bhttp::error::need_buffer) {
        ec = {};
        break;  // `out` is full
      }
      if (ec == bhttp::error::need_more) {
        ec = {};
        need_input = used == 0;
      } else if (ec) {
        break;
      }
      if (body.size < out.size()) break;  // got bytes
      if (!need_input) continue;          // progress without body bytes (a chunk header)
    }
    size_t room = buffer.max_size() - buffer.size();
    if (room == 0) {
      ec = bhttp::error::buffer_overflow;
      break;
    }
    size_t n = stream.read_some(buffer.prepare(std::min<size_t>(room, 64 * 1024)), ec);
    buffer.commit(n);
    if (ec == boost::asio::error::eof) {
      ec = {};
      parser.put_eof(ec);  // fine for a close-delimited body, partial_message otherwise
      break;
    }
    if (ec) break;
  }
  size_t got = out.size() - body.size;
  body.data = nullptr;
  body.size = 0;
  return got;
}

}  // namespace custody::http::internal
