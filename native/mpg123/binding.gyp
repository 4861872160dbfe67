# Built by npm's bundled node-gyp when the optional dependency installs. node's common.gypi builds the
# Release configuration at -O3; the decoding itself runs in the system's libmpg123 (runtime-dispatched SIMD).
{
  "targets": [
    {
      "target_name": "groovematch_mpg123",
      "sources": ["mpg123.c"],
      "defines": ["NAPI_VERSION=8"],
      "libraries": ["-lmpg123"]
    }
  ]
}
