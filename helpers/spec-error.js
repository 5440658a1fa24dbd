'use strict';

/** A problem in the AsyncAPI document, with the JSON pointer (`#/operations/ping`) of where it is. */
class SpecError extends Error {
  /**
   * @param {string} message
   * @param {string} [location] JSON pointer into the document, or a description of the place
   */
  constructor(message, location) {
    super(location ? `${location}: ${message}` : message);
    this.name = 'SpecError';
    /** the problem, without the location */
    this.reason = message;
    this.location = location || '';
  }
}

module.exports = { SpecError };
