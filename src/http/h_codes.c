/* h_codes.c — issuing trace codes and recording flow events over HTTP. */
#include "http/http.h"

const qt_route qt_routes_codes[] = {
        {NULL, NULL, NULL, 0, 0, false, NULL},
};
