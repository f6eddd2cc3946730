import express, { type RequestHandler } from "express";

/**
 * The JSON body parser, on the routes that read a JSON body (only those: a status read should not
 * pass through it). Malformed JSON becomes 400 `invalid_json` in the error handler.
 */
export const jsonBody: RequestHandler = express.json({
  limit: "1mb",
  type: ["application/json", "application/*+json"],
});
