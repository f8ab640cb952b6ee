/** A review's state in a word: open (entries may still be confirmed) or completed. */
import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { AccessReview } from './api';

export function AccessReviewStatusBadge({ review }: { review: AccessReview }) {
  const { t } = useTranslation();
  return (
    <Badge color={review.status === 'open' ? 'yellow' : 'gray'} variant="light" miw="max-content">
      {t(`admin.accessReviews.status.${review.status}`)}
    </Badge>
  );
}
