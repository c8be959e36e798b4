/* h_catalog.c — the trace catalogue (追溯清单), products and batches over HTTP. */
#include "http/http.h"

const qt_route qt_routes_catalog[] = {
        {NULL, NULL, NULL, 0, 0, false, NULL},
};
