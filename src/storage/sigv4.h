// SigV4 signing and verification (placeholder until written).
#pragma once
