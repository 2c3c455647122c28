-- Two mends of the staff scopes (00028).
--
-- An onboarding's steps are its onboarding's: their policy now asks, beside the partner, that
-- the onboarding itself be visible, so onboardings' own policy (partner and scope) applies to
-- them too, and a member limited to groups reaches no step of an out-of-scope customer's.
--
-- Tags saved before the portal normalized them are normalized as store.NormalizeTag does:
-- lower case, trimmed, runs of white space as one '-', blanks dropped, each once, sorted
-- (byte order, as Go sorts). The customers' policy is lifted for the update (as 00028 does).

-- +goose Up
DROP POLICY onboarding_steps_partner ON onboarding_steps;
CREATE POLICY onboarding_steps_partner ON onboarding_steps USING (partner_id = (SELECT tierdesk_partner())
	AND EXISTS (SELECT 1 FROM onboardings o WHERE o.id = onboarding_id));

ALTER TABLE customers NO FORCE ROW LEVEL SECURITY;
UPDATE customers c SET tags = n.tags
FROM (SELECT id, coalesce((SELECT array_agg(DISTINCT t ORDER BY t)
		FROM (SELECT regexp_replace(regexp_replace(lower(raw), '^\s+|\s+$', '', 'g'), '\s+', '-', 'g') COLLATE "C" AS t
			FROM unnest(customers.tags) AS raw) x
		WHERE t <> ''), '{}') AS tags
	FROM customers) n
WHERE n.id = c.id AND n.tags IS DISTINCT FROM c.tags;
ALTER TABLE customers FORCE ROW LEVEL SECURITY;

-- +goose Down
-- (Normalized tags stay normalized: their earlier spelling is not kept.)
DROP POLICY onboarding_steps_partner ON onboarding_steps;
CREATE POLICY onboarding_steps_partner ON onboarding_steps USING (partner_id = (SELECT tierdesk_partner()));
