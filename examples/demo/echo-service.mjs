// A tiny gRPC service for the demo. Messages are JSON: it needs no .proto file, and it is still
// real gRPC on the wire, so any xDS-aware gRPC client can call it.
export const echoService = {
  call: {
    path: '/trellis.demo.Echo/Call',
    requestStream: false,
    responseStream: false,
    requestSerialize: (value) => Buffer.from(JSON.stringify(value)),
    requestDeserialize: (bytes) => JSON.parse(bytes.toString()),
    responseSerialize: (value) => Buffer.from(JSON.stringify(value)),
    responseDeserialize: (bytes) => JSON.parse(bytes.toString()),
  },
};
