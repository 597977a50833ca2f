/** Recorded in delivery and attempt history as who made a change the API made (a realtime node records its id). */
export const API_NODE = 'api';
